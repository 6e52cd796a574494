// DatadirLock: one holder per datadir, the second told who holds it, released on destruction.
#include <doctest/doctest.h>

#include <unistd.h>

#include <optional>
#include <string>

#include "temp_dir.hpp"
#include "util/datadir_lock.hpp"

using peregrine::util::DatadirLock;

TEST_CASE("datadir lock: a second holder is refused with the first's pid, until the first lets go") {
  peregrine::test::TempDir dir("peregrine-lock");
  std::optional<DatadirLock> first;
  {
    auto acquired = DatadirLock::acquire(dir.path / "data");
    REQUIRE_MESSAGE(acquired.has_value(), acquired.error());
    first.emplace(std::move(*acquired)); // a moved lock still holds
  }
  auto second = DatadirLock::acquire(dir.path / "data");
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().find("in use by another peregrine process") != std::string::npos);
  CHECK(second.error().find("(pid " + std::to_string(::getpid()) + ")") != std::string::npos);

  // Another datadir is independent.
  CHECK(DatadirLock::acquire(dir.path / "other").has_value());

  first.reset();
  CHECK(DatadirLock::acquire(dir.path / "data").has_value());
}
