/* Checks on output paths, made before any work so that a long run never ends
 * in "cannot write", and never writes over one of its own inputs. Files are
 * compared by device and inode, so two spellings of one file (links, "./",
 * symlinks) are caught. Used by every command that writes. */
#ifndef NN_FILE_CHECK_H
#define NN_FILE_CHECK_H

#include <stddef.h>

#include "error.h"

/* What a path names for writing: the file itself, or the target of the
 * symlinks it goes through. Fails (NN_ERR_IO, one line naming path) for a
 * dangling symlink or a path that cannot be resolved. resolved gets at most
 * size bytes. */
nn_status nn_file_resolve_target(const char *path, char *resolved, size_t size, nn_error *err);

/* target (what path resolves to) is absent or a regular file; anything else
 * (device, FIFO, socket, directory) is refused with NN_ERR_IO naming path. */
nn_status nn_file_check_regular(const char *path, const char *target, nn_error *err);

/* The path can be written as an output: its directory exists, is a directory
 * and is writable (and not on a read-only file system), and the path itself,
 * after symlinks, is absent or a regular file (never a device, FIFO, socket or
 * directory). what names the flag in the message, e.g. "--out". */
nn_status nn_file_check_output(const char *what, const char *path, nn_error *err);

/* 1 when a and b name the same file: both exist and share device and inode,
 * or neither exists and both name the same entry of the same directory. */
int nn_file_same(const char *a, const char *b);

/* Refuses (NN_ERR_ARG) an output that is the same file as an input; an input
 * that does not exist is no conflict. out_what / in_what name them in the
 * message ("--out", "the training images"). */
nn_status nn_file_check_not_input(const char *out_what, const char *out, const char *in_what,
                               const char *in, nn_error *err);

#endif
