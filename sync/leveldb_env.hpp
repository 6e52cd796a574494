#pragma once
// The files of our LevelDB databases. LevelDB's own POSIX environment maps table files into memory
// for reading (up to 1,000 of them on 64-bit systems): every page a lookup or compaction touches
// then counts in the process's resident memory, up to the whole database, which --dbcache could
// not bound. This environment reads tables with pread instead, through the kernel's page cache,
// which the kernel manages and no process is charged for. Files are written through util/file_io
// (so the fault plan reaches them: doc/durability.md), and a rename (CURRENT's) also syncs the
// directory; everything else is LevelDB's default.
namespace leveldb {
class Env;
}

namespace peregrine::sync {

// One for the process, never destroyed (databases may outlive any owner).
leveldb::Env* pread_env();

} // namespace peregrine::sync
