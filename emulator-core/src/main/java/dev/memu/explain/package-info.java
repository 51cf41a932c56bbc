/**
 * {@code memu explain}: runs one allocator operation on a prepared state through the explaining
 * access layer ({@link dev.memu.access.ExplainingAccess}) and lists every distinct 64-byte line it
 * touched, with the struct fields that live there, the kinds of access and the function that
 * made them. The CLI only parses options and renders an {@link dev.memu.explain.Explanation}.
 */
package dev.memu.explain;
