/* libFuzzer harness for the layers target (see targets.h). */
#define FUZZ_TARGET 2
#include "harness.h"
