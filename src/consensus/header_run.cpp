#include "consensus/header_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "consensus/header_rules.hpp"
#include "crypto/sha256.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"

namespace peregrine::consensus {
namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The next comma-separated field of `rest`, trimmed; rest moves past it.
std::string_view next_field(std::string_view& rest) {
  const std::size_t comma = rest.find(',');
  std::string_view field = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  return trim(field);
}

std::optional<int> parse_height(std::string_view text) {
  int value = 0;
  if (text.empty() || text.size() > 10) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > kMaxRunHeight)
    return std::nullopt;
  return value;
}

struct Row {
  ContextHeader header;
  std::size_t line = 0;
};

std::expected<ContextHeader, std::string> parse_row(int height, std::string_view rest) {
  ContextHeader row;
  row.height = height;
  const std::string_view hex = next_field(rest);
  auto raw = util::from_hex(hex);
  if (!raw || raw->size() != wire::kBlockHeaderSize)
    return std::unexpected("the header is not 160 hex digits");
  row.header = *wire::from_bytes<wire::BlockHeader>(*raw); // 80 bytes always decode
  const std::string_view work = next_field(rest);
  if (!work.empty()) {
    auto value = Hash256::from_hex(work);
    if (!value) return std::unexpected("the chain work is not 64 hex digits");
    row.chain_work = ArithU256::from_hash(*value);
  }
  return row;
}

// Chain work up to start_height - 1 from what the context states; see HeaderRunResult.
std::optional<ArithU256> base_chain_work(const RunAncestry& chain, int start_height,
                                         const ChainParams& params) {
  if (start_height == 0) return ArithU256();
  const int parent = start_height - 1;
  if (const ContextHeader* c = chain.context_at(parent); c && c->chain_work) return c->chain_work;
  if (params.pow_allow_min_difficulty_blocks) return std::nullopt;
  const std::int64_t interval = difficulty_adjustment_interval(params);
  const int period_start = static_cast<int>(parent - parent % interval);
  for (int h = parent - 1; h >= period_start; --h) {
    const ContextHeader* c = chain.context_at(h);
    if (c == nullptr) continue;
    if (!c->chain_work) return std::nullopt;
    // Every header from h to the parent carries h's bits.
    return *c->chain_work + block_proof(c->header.bits) * static_cast<std::uint32_t>(parent - h);
  }
  return std::nullopt;
}

} // namespace

std::expected<std::vector<ContextHeader>, std::string> parse_header_context(std::string_view csv) {
  std::vector<Row> rows;
  bool first_row = true;
  std::size_t line_number = 0;
  while (!csv.empty()) {
    const std::size_t newline = csv.find('\n');
    std::string_view line = trim(csv.substr(0, newline));
    csv = newline == std::string_view::npos ? std::string_view() : csv.substr(newline + 1);
    ++line_number;
    if (line.empty()) continue;
    const std::string_view first = next_field(line);
    auto height = parse_height(first);
    const bool title = !first.empty() && std::isalpha(static_cast<unsigned char>(first.front()));
    if (title && first_row) {
      first_row = false;
      continue;
    }
    first_row = false;
    if (!height)
      return std::unexpected(fmt::format("line {}: the height is not a number from 0 to {}",
                                         line_number, kMaxRunHeight));
    auto row = parse_row(*height, line);
    if (!row) return std::unexpected(fmt::format("line {}: {}", line_number, row.error()));
    rows.push_back({std::move(*row), line_number});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.header.height < b.header.height; });
  std::vector<ContextHeader> out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && rows[i].header.height == rows[i - 1].header.height)
      return std::unexpected(fmt::format("line {}: height {} is already on line {}", rows[i].line,
                                         rows[i].header.height, rows[i - 1].line));
    out.push_back(rows[i].header);
  }
  return out;
}

RunAncestry::RunAncestry(std::span<const ContextHeader> context, int run_start)
    : run_start_(run_start) {
  for (const auto& c : context)
    if (c.height < run_start) context_.push_back(c);
  std::sort(context_.begin(), context_.end(),
            [](const ContextHeader& a, const ContextHeader& b) { return a.height < b.height; });
}

const ContextHeader* RunAncestry::context_at(int height) const {
  auto it = std::lower_bound(context_.begin(), context_.end(), height,
                             [](const ContextHeader& c, int h) { return c.height < h; });
  return it != context_.end() && it->height == height ? &*it : nullptr;
}

std::optional<HeaderAncestry::Entry> RunAncestry::at(int height) const {
  if (height >= run_start_) {
    const auto i = static_cast<std::size_t>(height - run_start_);
    if (i < run_.size()) return run_[i];
    return std::nullopt;
  }
  if (const ContextHeader* c = context_at(height)) return Entry{c->header.time, c->header.bits};
  return std::nullopt;
}

HeaderRunResult check_header_run(ByteSpan headers, int start_height,
                                 std::span<const ContextHeader> context, std::int64_t adjusted_now,
                                 const ChainParams& params) {
  HeaderRunResult result;
  result.count = headers.size() / wire::kBlockHeaderSize;
  RunAncestry chain(context, start_height);
  chain.reserve(result.count);
  std::optional<Hash256> prev; // hash the next header must name as its parent
  if (start_height > 0) {
    if (const ContextHeader* c = chain.context_at(start_height - 1))
      prev = wire::block_hash(c->header);
  }
  const auto base_work = base_chain_work(chain, start_height, params);
  // Bits change once a period at most (min-difficulty networks aside): divide only when they do.
  std::uint32_t proof_bits = 0;
  ArithU256 proof = block_proof(proof_bits);

  for (std::size_t i = 0; i < result.count; ++i) {
    const ByteSpan raw = headers.subspan(i * wire::kBlockHeaderSize, wire::kBlockHeaderSize);
    const int height = start_height + static_cast<int>(i);
    const Hash256 hash = crypto::sha256d(raw);
    if (i == 0) result.first_hash = hash;
    auto fail = [&](std::string_view reason) {
      result.failure = HeaderRunFailure{height, hash, reason};
    };
    wire::BlockHeader header = *wire::from_bytes<wire::BlockHeader>(raw);

    if (height == 0) {
      // Genesis has no parent to check against: it is the network's, or nothing else is right.
      if (hash != params.genesis_hash) {
        fail("bad-genesis");
        break;
      }
    } else {
      if (prev && header.prev_block != *prev) {
        fail(to_string(HeaderError::prev_blk_not_found));
        break;
      }
      if (auto ok = check_header(hash, header, params); !ok) {
        fail(to_string(ok.error()));
        break;
      }
      if (auto ok = check_header_contextual(hash, header, chain, height - 1, adjusted_now, params);
          !ok) {
        fail(to_string(ok.error()));
        break;
      }
    }
    chain.append({header.time, header.bits});
    if (header.bits != proof_bits) {
      proof_bits = header.bits;
      proof = block_proof(proof_bits);
    }
    result.work += proof;
    result.last_hash = hash;
    ++result.valid;
    prev = hash;
  }
  if (base_work) result.chain_work = *base_work + result.work;
  return result;
}

} // namespace peregrine::consensus
