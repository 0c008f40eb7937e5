/* report_device.c — the device slug, physical RAM and OS version recorded in a report. */
#include "bench/report_device.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ffai/report.h"

ffai_status ffai_slugify(const char *in, char *out, size_t n) {
    if (!in || !out || n == 0) return FFAI_ERR_INVALID_ARG;
    size_t k = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (isascii(*p) && isalnum(*p)) {
            if (dash && k > 0) {
                if (k + 1 >= n) return out[0] = 0, FFAI_ERR_RANGE;
                out[k++] = '-';
            }
            dash = false;
            if (k + 1 >= n) return out[0] = 0, FFAI_ERR_RANGE;
            out[k++] = (char)tolower(*p);
        } else {
            dash = true;
        }
    }
    out[k] = 0;
    return k ? FFAI_OK : FFAI_ERR_INVALID_ARG;
}

/* The value of the first "<key>\t*: value" line of /proc/cpuinfo, trimmed, into out. */
static bool cpuinfo_value(const char *key, char *out, size_t n) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return false;
    char line[1024];
    bool found = false;
    size_t klen = strlen(key);
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0) continue;
        const char *p = line + klen;
        while (*p == ' ' || *p == '\t') p++;
        if (*p != ':') continue;
        p++;
        while (*p == ' ' || *p == '\t') p++;
        size_t len = strcspn(p, "\r\n");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        if (!len) continue;
        snprintf(out, n, "%.*s", (int)len, p);
        found = true;
    }
    fclose(f);
    return found;
}

ffai_status ffai_device_slug(char *out, size_t n) {
    static const char *const keys[] = {"model name", "Hardware", "Processor", "cpu model"};
    char name[512];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (cpuinfo_value(keys[i], name, sizeof name) && ffai_slugify(name, out, n) == FFAI_OK) return FFAI_OK;
    struct utsname u;
    if (uname(&u) == 0 && ffai_slugify(u.machine, out, n) == FFAI_OK) return FFAI_OK;
    return ffai_slugify("cpu", out, n);
}

long long device_ram_bytes(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? (long long)pages * size : 0;
}

void device_os_version(char *out, size_t n) {
    struct utsname u;
    snprintf(out, n, "%s", uname(&u) == 0 ? u.release : "unknown");
}
