#pragma once
// Boost.Asio for the peer layer. Include Asio only through this header, for two Boost 1.74 quirks:
// its awaitable.hpp uses std::exchange without including <utility>, and under clang it looks only
// for <experimental/coroutine>, which libstdc++ does not have (the fuzz build uses clang).
#include <utility>

#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>

namespace peregrine::peer {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Completion token for coroutines that report errors in `ec` instead of throwing.
inline auto no_throw(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

} // namespace peregrine::peer
