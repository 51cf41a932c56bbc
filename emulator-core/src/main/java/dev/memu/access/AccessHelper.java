package dev.memu.access;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that only reads or writes a field on its caller's behalf (a one-line getter or
 * setter of a struct field, an offset helper): {@link ExplainingAccess} looks through it and names
 * the caller, the function that models a Linux one ({@code zoneWatermarkFast}, {@code
 * rmqueueSmallest}), as the one that touched the line. Read by reflection only while explaining;
 * it changes nothing on the plain or counting paths.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AccessHelper {
}
