package dev.memu.memdesc;

/**
 * A ZONE_DEVICE page's descriptor (device-private or pmem memory managed by a driver).
 *
 * <pre>
 * off size field             meaning
 *   0   8  flags             misc word, see {@link MemdescHeader}
 *   8   8  pfn               first pfn
 *  16   8  pgmap             owning dev_pagemap
 *  24   8  zone_device_data  driver's private data
 *  32   4  _refcount
 *  36   4  (pad)
 * size 40, heap class 48
 * </pre>
 */
public final class ZoneDeviceDesc {

    public static final long FLAGS = MemdescHeader.MISC;
    public static final long PFN = MemdescHeader.PFN;
    public static final long PGMAP = 16;
    public static final long ZONE_DEVICE_DATA = 24;
    public static final long REFCOUNT = 32;
    public static final int BYTES = 40;

    private ZoneDeviceDesc() {
    }
}
