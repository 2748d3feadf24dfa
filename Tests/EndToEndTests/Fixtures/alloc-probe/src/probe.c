/* Asks the linked allocator whether it owns a pointer. Weak references: an allocator
 * that is not linked leaves them null, and the libc's malloc is reported instead. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern bool mi_is_in_heap_region(const void *p) __attribute__((weak));
extern int mallctl(const char *name, void *old, size_t *oldlen, void *new_, size_t newlen) __attribute__((weak));

const char *probe_allocator(void) {
    if (mi_is_in_heap_region) return "mimalloc";
    if (mallctl) return "jemalloc";
    return "libc";
}

/* mimalloc: does this pointer lie in mimalloc's heap? */
int probe_owns(const void *p) {
    return mi_is_in_heap_region ? mi_is_in_heap_region(p) : -1;
}

/* jemalloc: bytes this thread has allocated so far (-1 without jemalloc). */
long long probe_thread_allocated(void) {
    uint64_t n = 0;
    size_t len = sizeof n;
    if (!mallctl || mallctl("thread.allocated", &n, &len, NULL, 0) != 0) return -1;
    return (long long)n;
}

/* An allocation made by C code, kept alive for the caller to test. */
void *probe_c_malloc(size_t n) {
    char *p = malloc(n);
    if (p) memset(p, 0x5a, n);
    return p;
}

void probe_c_free(void *p) { free(p); }

/* The aligned entry points must belong to the same allocator as free (C++ exceptions,
 * for one, are allocated with aligned_alloc). 1: owned, 0: not, -1: cannot tell. */
int probe_aligned_owned(void) {
    long long before = probe_thread_allocated();
    void *a = aligned_alloc(64, 4096);
    void *b = NULL;
    if (posix_memalign(&b, 128, 4096) != 0) b = NULL;
    void *c = memalign(256, 4096);
    long long after = probe_thread_allocated();
    int owned = -1;
    if (mi_is_in_heap_region) owned = mi_is_in_heap_region(a) && mi_is_in_heap_region(b) && mi_is_in_heap_region(c);
    else if (mallctl) owned = after - before >= 3 * 4096;
    free(a);
    free(b);
    free(c);
    return owned;
}
