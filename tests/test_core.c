/* test_core.c — status codes and the error buffer. */
#include <string.h>

#include "core/error.h"
#include "testutil.h"

int main(void) {
    ffai_error e;
    ffai_error_clear(&e);
    CHECK(e.status == FFAI_OK && e.msg[0] == 0, "clear");
    ffai_status st = ffai_fail(&e, FFAI_ERR_FORMAT, "bad %s at %d", "thing", 3);
    CHECK(st == FFAI_ERR_FORMAT, "returns status");
    CHECK(strcmp(e.msg, "bad thing at 3") == 0, "msg '%s'", e.msg);
    ffai_error_prefix(&e, "file %s", "x.json");
    CHECK(strcmp(e.msg, "file x.json: bad thing at 3") == 0, "prefix '%s'", e.msg);
    CHECK(ffai_fail(NULL, FFAI_ERR_IO, "x") == FFAI_ERR_IO, "NULL err ok");
    for (int s = 0; s <= FFAI_ERR_BUSY; s++) CHECK(strlen(ffai_status_str((ffai_status)s)) > 0, "name %d", s);
    return tu_finish("test_core");
}
