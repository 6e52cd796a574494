#pragma once
// The one way the node writes files that must survive a crash: the block and undo files, LevelDB's
// files (sync/leveldb_env), and crash-safe file replacement (util/atomic_file: peers.dat,
// banlist.json). Each call is the system call (EINTR retried) behind a check of the fault plan
// (util/fault_plan), so tests can make any of them fail or crash the process.
//
// Errors are the errno as a std::error_code (its message() is strerror's text); callers name the
// file in their own message.
#include <expected>
#include <filesystem>
#include <span>
#include <system_error>

#include <sys/types.h>
#include <sys/uio.h>

#include "util/bytes.hpp"

namespace peregrine::util {

// open(2) for writing: flags as open's (O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_TRUNC ...; O_CLOEXEC
// is added). The descriptor.
std::expected<int, std::error_code> open_for_write(const std::filesystem::path& path, int flags, mode_t mode = 0644);

// Writes every byte, looping over short writes; a write that makes no progress is EIO. On an error
// part of the data may have been written (the caller truncates or ignores it).
std::expected<void, std::error_code> write_all(int fd, const std::filesystem::path& path, ByteSpan data);
// The same for several buffers (writev); `parts` is consumed (its entries advanced).
std::expected<void, std::error_code> write_all(int fd, const std::filesystem::path& path, std::span<iovec> parts);

// fdatasync: the data and the size (what an append changes); fsync: everything.
std::expected<void, std::error_code> sync_data(int fd, const std::filesystem::path& path);
std::expected<void, std::error_code> sync_file(int fd, const std::filesystem::path& path);

// rename(2). The fault site is the target's.
std::expected<void, std::error_code> rename_file(const std::filesystem::path& from, const std::filesystem::path& to);

// fsyncs a directory, which makes the names created, renamed or removed in it durable. `entry` is
// the file whose name is at stake (the fault site); the directory is its parent.
std::expected<void, std::error_code> sync_directory(const std::filesystem::path& entry);

} // namespace peregrine::util
