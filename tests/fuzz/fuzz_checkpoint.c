/* libFuzzer harness for the checkpoint target (see targets.h). */
#define FUZZ_TARGET 1
#include "harness.h"
