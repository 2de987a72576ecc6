/*
 * launch_value.c: --invoke arguments parsed by type, results printed as wasmtime does.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "launch.h"
#include "check.h"

/* Parses text as t and formats it back; checks the text that comes out. */
static void round_trip(enum waot_valtype t, const char *in, const char *want)
{
    struct waot_val v;
    struct waot_error err = {0};
    char buf[128] = "";
    int r = launch_value_parse(t, in, &v, &err);
    if (r == 0)
        launch_value_format(&v, buf, sizeof buf);
    CHECK_MSG(r == 0 && strcmp(buf, want) == 0, "%s \"%s\": got %s (%s), want %s",
              launch_valtype_name(t), in, r == 0 ? buf : "error", err.msg, want);
}

static void rejects(enum waot_valtype t, const char *in)
{
    struct waot_val v;
    struct waot_error err = {0};
    int r = launch_value_parse(t, in, &v, &err);
    CHECK_MSG(r < 0 && err.code == WAOT_E_USAGE && strstr(err.msg, launch_valtype_name(t)),
              "%s \"%s\" should be rejected (got %d, %s)", launch_valtype_name(t), in, r, err.msg);
}

int main(void)
{
    round_trip(WAOT_I32, "0", "0");
    round_trip(WAOT_I32, "-1", "-1");
    round_trip(WAOT_I32, "4294967295", "-1");
    round_trip(WAOT_I32, "2147483647", "2147483647");
    round_trip(WAOT_I32, "-2147483648", "-2147483648");
    round_trip(WAOT_I32, "0x10", "16");
    round_trip(WAOT_I64, "-9223372036854775808", "-9223372036854775808");
    round_trip(WAOT_I64, "18446744073709551615", "-1");
    round_trip(WAOT_F32, "1.5", "1.5");
    round_trip(WAOT_F32, "0.1", "0.1");
    round_trip(WAOT_F32, "-0", "-0");
    round_trip(WAOT_F32, "nan", "NaN");
    round_trip(WAOT_F64, "0.1", "0.1");
    round_trip(WAOT_F64, "1e300", "1e+300");
    round_trip(WAOT_F64, "-inf", "-inf");
    round_trip(WAOT_F64, "3", "3");
    rejects(WAOT_I32, "");
    rejects(WAOT_I32, "4294967296");
    rejects(WAOT_I32, "-2147483649");
    rejects(WAOT_I32, "12x");
    rejects(WAOT_I32, "--1");
    rejects(WAOT_I64, "18446744073709551616");
    rejects(WAOT_F32, "one");
    rejects(WAOT_F64, "");

    struct waot_val v;
    struct waot_error err = {0};
    CHECK_MSG(launch_value_parse(WAOT_FUNCREF, "0", &v, &err) < 0 && err.code == WAOT_E_USAGE,
              "funcref arguments are refused");

    struct launch_spec s;
    launch_spec_init(&s);
    CHECK_MSG(s.stdin_fd == 0 && s.stdout_fd == 1 && s.stderr_fd == 2 && s.compile.opt_level == 2 &&
              !s.module_path && !s.invoke, "launch_spec_init defaults");
    struct launch_result res;
    CHECK_MSG(launch_run(&s, &res, &err) < 0 && err.code == WAOT_E_USAGE,
              "no module is a usage error");

    return check_summary("test_launch_value");
}
