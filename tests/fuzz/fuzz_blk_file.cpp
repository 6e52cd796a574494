// Fuzzes BlkFileReader, the blk*.dat framing `peregrine import` reads: arbitrary file contents
// give records and then the end or a typed error, never a crash, a hang or an allocation the
// file does not pay for; the records returned, with their 8-byte frames, never exceed the file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "consensus/chainparams.hpp"
#include "sync/block_import.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An in-memory file with a path, as the reader opens files by name.
  const int fd = ::memfd_create("blk", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  const auto& magic = consensus::chain_params(consensus::Network::regtest).magic;
  auto reader = sync::BlkFileReader::open("/proc/self/fd/" + std::to_string(fd), magic);
  if (reader) {
    std::size_t consumed = 0;
    for (;;) {
      auto record = reader->next();
      if (!record || !*record) break;
      consumed += 8 + (*record)->size();
      if ((*record)->empty() || consumed > size) __builtin_trap();
    }
  }
  ::close(fd);
  return 0;
}
