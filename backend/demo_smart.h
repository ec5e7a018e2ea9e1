#ifndef LIFEBOAT_BACKEND_DEMO_SMART_H
#define LIFEBOAT_BACKEND_DEMO_SMART_H

#include "backend/base/err.h"

/*
 * SMART captures for the demo lab's [disk] sections (`source = FILE`, demo
 * and tests only): a healthy USB SSD and a worn SATA SSD (a warning).
 */
#define DEMO_SMART_USB_SSD "smart-usb-ssd.json"
#define DEMO_SMART_OS_SSD  "smart-os-ssd.json"

/* Write both captures into dir (which exists). 0 or -LB_EIO with err. */
int demo_smart_write(const char *dir, struct lb_err *err);
/* The mount point of the file system holding path ("/" when unsure). New. */
char *demo_smart_mount_of(const char *path);

#endif
