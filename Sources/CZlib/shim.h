// zlib for the `.dep-v0` section (cargo-auditable's format is zlib-compressed JSON).
#include <zlib.h>
