/* libFuzzer harness for the idx target (see targets.h). */
#define FUZZ_TARGET 0
#include "harness.h"
