/* libFuzzer harness for the script target (see targets.h). */
#define FUZZ_TARGET 3
#include "harness.h"
