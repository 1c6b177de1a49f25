// notify-keyspace-events flags: parse and format exactly like Redis 7.0. The expected strings
// were read back from redis-server 7.0.15 with CONFIG SET / CONFIG GET.
#include "keyspace_events.h"

#include <gtest/gtest.h>

namespace cairn::config_internal {
namespace {

std::string RoundTrip(std::string_view flags) {
  std::optional<uint32_t> bits = ParseKeyspaceEvents(flags);
  return bits ? FormatKeyspaceEvents(*bits) : "<invalid>";
}

TEST(KeyspaceEventsTest, ReadsBackLikeRedis) {
  EXPECT_EQ(RoundTrip(""), "");
  EXPECT_EQ(RoundTrip("KEA"), "AKE");
  EXPECT_EQ(RoundTrip("KEg$xn"), "g$xnKE");
  EXPECT_EQ(RoundTrip("KEg$lshzxetdm"), "AKEm");  // every class of A spelt out is shown as A
  EXPECT_EQ(RoundTrip("Ad"), "A");
  EXPECT_EQ(RoundTrip("An"), "A");  // Redis hides n next to A
  EXPECT_EQ(RoundTrip("xExE"), "xE");
  EXPECT_EQ(RoundTrip("mK"), "Km");
  EXPECT_EQ(RoundTrip("Ex"), "xE");
}

TEST(KeyspaceEventsTest, BitsAreRedis) {
  // server.h NOTIFY_*: ServerConfig::notify_keyspace_events goes to the notifier as it is.
  EXPECT_EQ(ParseKeyspaceEvents("K"), 1u << 0);
  EXPECT_EQ(ParseKeyspaceEvents("E"), 1u << 1);
  EXPECT_EQ(ParseKeyspaceEvents("g"), 1u << 2);
  EXPECT_EQ(ParseKeyspaceEvents("$"), 1u << 3);
  EXPECT_EQ(ParseKeyspaceEvents("l"), 1u << 4);
  EXPECT_EQ(ParseKeyspaceEvents("s"), 1u << 5);
  EXPECT_EQ(ParseKeyspaceEvents("h"), 1u << 6);
  EXPECT_EQ(ParseKeyspaceEvents("z"), 1u << 7);
  EXPECT_EQ(ParseKeyspaceEvents("x"), 1u << 8);
  EXPECT_EQ(ParseKeyspaceEvents("e"), 1u << 9);
  EXPECT_EQ(ParseKeyspaceEvents("t"), 1u << 10);
  EXPECT_EQ(ParseKeyspaceEvents("m"), 1u << 11);
  EXPECT_EQ(ParseKeyspaceEvents("d"), 1u << 13);
  EXPECT_EQ(ParseKeyspaceEvents("n"), 1u << 14);
  EXPECT_EQ(ParseKeyspaceEvents("A"), 0x27fcu);
  EXPECT_EQ(ParseKeyspaceEvents("Ex"), kEventsKeyevent | kEventsExpired);
  EXPECT_EQ(ParseKeyspaceEvents("Ke"), kEventsKeyspace | kEventsEvicted);
  EXPECT_EQ(ParseKeyspaceEvents("A"), kEventsAll);
  uint32_t all = *ParseKeyspaceEvents("A");
  EXPECT_EQ(all & kEventsKeyMiss, 0u) << "m is not part of A";
  EXPECT_EQ(all & kEventsNew, 0u) << "n is not part of A";
  EXPECT_EQ(all & (kEventsKeyspace | kEventsKeyevent), 0u) << "A names classes, not channels";
  EXPECT_EQ(ParseKeyspaceEvents("g$lshzxetd"), kEventsAll);
  EXPECT_EQ(ParseKeyspaceEvents("An"), kEventsAll | kEventsNew) << "n is kept, only not shown";
  EXPECT_EQ(ParseKeyspaceEvents(""), 0u);
}

TEST(KeyspaceEventsTest, RejectsAnyOtherCharacter) {
  for (std::string_view bad : {"Q", "K E", "KEa", "k", "KE!", "$$X", "\t"}) {
    EXPECT_EQ(ParseKeyspaceEvents(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseKeyspaceEvents(std::string_view("K\0E", 3)), std::nullopt);
  // Every character Redis accepts, and nothing else among the printable ones.
  const std::string_view accepted = "Ag$lshzxeKEtmdn";
  for (int c = 0x20; c < 0x7f; ++c) {
    std::string one(1, static_cast<char>(c));
    EXPECT_EQ(ParseKeyspaceEvents(one).has_value(),
              accepted.find(static_cast<char>(c)) != std::string_view::npos)
        << one;
  }
}

}  // namespace
}  // namespace cairn::config_internal
