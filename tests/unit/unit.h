/* unit.h — common includes for the cmocka unit tests (tests/unit/test_*.c).
 * Each test file is its own program: `make unit` builds and runs them all. */
#ifndef UNIT_H
#define UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Fixture files are read relative to the repository root (tests run from there). */
#define FIXTURE(path) ("fixtures/" path)

#endif
