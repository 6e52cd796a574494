#pragma once
// Anti-DoS for header sync: a peer's chain is stored only once it has proven enough work, without
// storing the chain while it proves it. Two passes over the peer's chain from the header it forks
// from (the idea of Bitcoin Core's headers presync):
//   presync     — headers are checked for linkage, proof of work and permitted difficulty changes,
//                 their work is summed, and one salted bit per `commitment_period` headers is kept;
//   redownload  — once the work reaches the threshold, the same chain is asked for again; each
//                 header must match its commitment bit, and headers are released for full
//                 validation and storage only once `redownload_buffer_size` more stand behind them
//                 (or the threshold is reached), so a peer that swaps chains between the passes is
//                 caught before it can make us store more than the buffer of a low-work chain.
// Memory per peer: the commitment bits (bounded by how many headers the clock allows) plus the buffer.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "consensus/arith_uint256.hpp"
#include "consensus/chainparams.hpp"
#include "sync/header_tree.hpp"
#include "wire/block.hpp"

namespace peregrine::sync {

class HeadersPresync {
public:
  enum class Phase : std::uint8_t { presync, redownload, done, failed };

  // chain_start: the stored header the peer's chain forks from. now: unix seconds.
  HeadersPresync(const HeaderTree& tree, const HeaderEntry& chain_start, consensus::ArithU256 work_threshold,
                 std::uint64_t salt, std::int64_t now);

  struct Step {
    std::vector<wire::BlockHeader> release; // validated by both passes: store these, in order
    bool request_more = false;              // send getheaders with next_locator()
    std::string failure;                    // set when the phase became failed
    bool peer_at_fault = false;             // the failure proves misbehaviour (not just low work)
  };
  // Feeds one headers message (continuing where the last one stopped). `full`: it held the
  // maximum 2,000 headers, so the peer has more.
  Step process(const std::vector<wire::BlockHeader>& headers, bool full);

  Phase phase() const { return phase_; }
  std::vector<Hash256> next_locator() const;
  int presync_height() const { return presync_.height; }
  const consensus::ArithU256& presync_work() const { return presync_.work; }
  // Bytes this state holds (commitments and buffer), for the memory bound's tests and figures.
  std::size_t memory_usage() const;

private:
  struct Cursor {
    wire::BlockHeader last;
    Hash256 last_hash;
    int height = 0;
    consensus::ArithU256 work;
  };
  bool commitment_height(int height) const;
  bool commitment_bit(const Hash256& hash) const;
  // Linkage, proof of work and permitted difficulty change; advances the cursor.
  bool extend(Cursor& cursor, const wire::BlockHeader& header, Hash256& hash, std::string& why) const;
  Step fail(Step step, std::string why, bool peer_at_fault);
  void process_presync(const std::vector<wire::BlockHeader>& headers, bool full, Step& step);
  void process_redownload(const std::vector<wire::BlockHeader>& headers, bool full, Step& step);

  const HeaderTree& tree_;
  const consensus::ChainParams& params_;
  const HeaderEntry& chain_start_;
  consensus::ArithU256 threshold_;
  std::uint64_t salt_;
  int commit_offset_;
  std::size_t max_commitments_;
  Phase phase_ = Phase::presync;

  Cursor presync_;
  std::vector<bool> commitments_;
  Cursor redownload_;
  std::size_t next_commitment_ = 0;
  std::deque<wire::BlockHeader> buffer_;
  bool threshold_reached_ = false;
};

} // namespace peregrine::sync
