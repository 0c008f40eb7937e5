/* report_device.h — facts about this machine stored in a new report: RAM and OS version. */
#ifndef FFAI_BENCH_REPORT_DEVICE_H
#define FFAI_BENCH_REPORT_DEVICE_H

#include <stddef.h>

/* Physical RAM in bytes (sysconf), 0 when unknown. */
long long device_ram_bytes(void);

/* The kernel release from uname(2) (e.g. "6.8.0-45-generic"): Linux's counterpart of FFAI's macOS
 * Darwin version ("26.5.0"). "unknown" when uname fails. */
void device_os_version(char *out, size_t n);

#endif
