/* libFuzzer harness for the image target (see targets.h). */
#define FUZZ_TARGET 4
#include "harness.h"
