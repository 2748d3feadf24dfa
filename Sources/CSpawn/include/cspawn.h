#ifndef CSPAWN_H
#define CSPAWN_H
#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) in directory `dir` (NULL: ours).
/// `in`, `out` and `err` become descriptors 0, 1 and 2 (-1: inherited). Every other
/// descriptor is closed in the child, signal dispositions are reset to their defaults and
/// the signal mask is emptied. Returns 0 and stores the pid, or returns an errno value.
int cspawn(const char *path, char *const argv[], char *const envp[], const char *dir,
           int in, int out, int err, pid_t *pid);

#endif
