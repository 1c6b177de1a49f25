#include "cairn/observability/keyspace_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cairn/pubsub/pubsub_hub.h"
#include "recording_subscriber.h"

namespace cairn {
namespace {

using obs_test::Message;
using obs_test::RecordingSubscriber;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// CONFIG SET notify-keyspace-events <in>; CONFIG GET -> <out>, recorded from redis-server 7.0.15.
struct RoundTrip {
  const char* in;
  const char* out;
};
constexpr RoundTrip kRedisRoundTrips[] = {
    {"", ""},
    {"K", "K"},
    {"E", "E"},
    {"g", "g"},
    {"$", "$"},
    {"l", "l"},
    {"s", "s"},
    {"h", "h"},
    {"z", "z"},
    {"x", "x"},
    {"e", "e"},
    {"n", "n"},
    {"t", "t"},
    {"d", "d"},
    {"m", "m"},
    {"A", "A"},
    {"KEA", "AKE"},
    {"AKE", "AKE"},
    {"Ex", "xE"},
    {"gx", "gx"},
    {"KA", "AK"},
    {"g$lshzxetd", "A"},
    {"g$lshzxetdKE", "AKE"},
    {"Kn", "nK"},
    {"KEAm", "AKEm"},
    {"KEAn", "AKE"},
    {"KEAnm", "AKEm"},
    {"xxK", "xK"},
    {"KEAd", "AKE"},
    {"AA", "A"},
};

TEST(NotifyFlagsTest, RoundTripsLikeRedis) {
  for (const RoundTrip& rt : kRedisRoundTrips) {
    std::optional<uint32_t> flags = ParseNotifyFlags(rt.in);
    ASSERT_TRUE(flags.has_value()) << rt.in;
    EXPECT_EQ(NotifyFlagsToString(*flags), rt.out) << rt.in;
  }
}

TEST(NotifyFlagsTest, RejectsUnknownClasses) {
  for (const char* bad : {"q", "KEa", " ", "K E", "KEA!", "k"}) {
    EXPECT_FALSE(ParseNotifyFlags(bad).has_value()) << bad;
  }
  EXPECT_EQ(kNotifyFlagsError, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
}

TEST(NotifyFlagsTest, BitValuesMatchRedis) {
  EXPECT_EQ(*ParseNotifyFlags("K"), 1u);
  EXPECT_EQ(*ParseNotifyFlags("E"), 2u);
  EXPECT_EQ(*ParseNotifyFlags("x"), 256u);
  EXPECT_EQ(*ParseNotifyFlags("m"), 2048u);
  EXPECT_EQ(*ParseNotifyFlags("A"), 0x27fcu);  // g$lshzxetd
  EXPECT_EQ(*ParseNotifyFlags("n"), 1u << 14);
}

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { hub_.PSubscribe(&sub_, "*"); }
  void Emit(EventType type, std::string key, std::string detail = {}) {
    bus_.Publish(Event{type, EvictionCause::kNone, 0, std::move(key), std::move(detail)});
  }
  std::vector<Message> Drain() {
    bus_.Drain();
    return sub_.Take();
  }
  EventBus bus_;
  PubSubHub hub_;
  RecordingSubscriber sub_;
};

TEST_F(NotifierTest, MapsBusEventsToKeyspaceAndKeyevent) {
  KeyspaceNotifier n(bus_, hub_);
  n.SetFlags(*ParseNotifyFlags("KEA"));
  Emit(EventType::kSet, "k1");
  Emit(EventType::kDelete, "k2");
  Emit(EventType::kExpired, "k3");
  Emit(EventType::kEvicted, "k4");
  Emit(EventType::kDelete, "src", "rename_from");
  Emit(EventType::kSet, "dst", "rename_to");
  Emit(EventType::kMiss, "k5");  // 'm' is not part of A
  Emit(EventType::kHit, "k6");
  EXPECT_THAT(
      Drain(),
      ElementsAre(Message{"__keyspace@0__:k1", "set"}, Message{"__keyevent@0__:set", "k1"},
                  Message{"__keyspace@0__:k2", "del"}, Message{"__keyevent@0__:del", "k2"},
                  Message{"__keyspace@0__:k3", "expired"}, Message{"__keyevent@0__:expired", "k3"},
                  Message{"__keyspace@0__:k4", "evicted"}, Message{"__keyevent@0__:evicted", "k4"},
                  Message{"__keyspace@0__:src", "rename_from"},
                  Message{"__keyevent@0__:rename_from", "src"},
                  Message{"__keyspace@0__:dst", "rename_to"},
                  Message{"__keyevent@0__:rename_to", "dst"}));
}

TEST_F(NotifierTest, ClassesSelectEventsAndChannels) {
  KeyspaceNotifier n(bus_, hub_);
  n.SetFlags(*ParseNotifyFlags("Ex"));  // keyevent only, expired only
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  EXPECT_FALSE(bus_.Wants(EventType::kEvicted));
  EXPECT_TRUE(bus_.Wants(EventType::kExpired));
  Emit(EventType::kSet, "a");
  Emit(EventType::kExpired, "b");
  EXPECT_THAT(Drain(), ElementsAre(Message{"__keyevent@0__:expired", "b"}));

  n.SetFlags(*ParseNotifyFlags("Km"));
  EXPECT_TRUE(bus_.Wants(EventType::kMiss));
  EXPECT_FALSE(bus_.Wants(EventType::kExpired));
  Emit(EventType::kMiss, "gone");
  Emit(EventType::kExpired, "c");
  EXPECT_THAT(Drain(), ElementsAre(Message{"__keyspace@0__:gone", "keymiss"}));

  n.SetFlags(*ParseNotifyFlags("K$"));  // string writes, but not generic (del, rename)
  Emit(EventType::kSet, "s");
  Emit(EventType::kDelete, "d");
  Emit(EventType::kSet, "r", "rename_to");
  EXPECT_THAT(Drain(), ElementsAre(Message{"__keyspace@0__:s", "set"}));

  n.SetFlags(*ParseNotifyFlags("A"));  // classes without K or E publish nothing
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  EXPECT_FALSE(bus_.Wants(EventType::kExpired));
  Emit(EventType::kExpired, "x");
  EXPECT_THAT(Drain(), IsEmpty());
}

TEST_F(NotifierTest, OffCostsNothingOnTheBus) {
  {
    KeyspaceNotifier n(bus_, hub_, {.writes_from_bus = true, .cairn_events = false, .db = 0});
    for (int t = 0; t < static_cast<int>(EventType::kCount); ++t) {
      EXPECT_FALSE(bus_.Wants(static_cast<EventType>(t))) << t;
    }
    n.SetFlags(*ParseNotifyFlags("KEA"));
    EXPECT_TRUE(bus_.Wants(EventType::kSet));
    n.SetFlags(0);
    for (int t = 0; t < static_cast<int>(EventType::kCount); ++t) {
      EXPECT_FALSE(bus_.Wants(static_cast<EventType>(t))) << t;
    }
    EXPECT_EQ(n.bus_mask(), 0u);
  }
  // With Cairn's events on, only the rare cache-wide types are subscribed.
  KeyspaceNotifier n(bus_, hub_);
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  EXPECT_FALSE(bus_.Wants(EventType::kHit));
  EXPECT_FALSE(bus_.Wants(EventType::kMiss));
  EXPECT_FALSE(bus_.Wants(EventType::kExpired));
  EXPECT_TRUE(bus_.Wants(EventType::kPolicyChanged));
  EXPECT_TRUE(bus_.Wants(EventType::kFlushError));
}

TEST_F(NotifierTest, NotifyPublishesCommandEventsOfEnabledClasses) {
  KeyspaceNotifier n(bus_, hub_);
  n.SetFlags(*ParseNotifyFlags("KE$"));
  EXPECT_TRUE(n.Wants(kNotifyString));
  EXPECT_FALSE(n.Wants(kNotifyGeneric));
  n.Notify(kNotifyString, "incrby", "counter");
  n.Notify(kNotifyGeneric, "expire", "counter");  // g is off
  EXPECT_THAT(sub_.Take(), ElementsAre(Message{"__keyspace@0__:counter", "incrby"},
                                       Message{"__keyevent@0__:incrby", "counter"}));
  n.SetFlags(*ParseNotifyFlags("En"));
  n.Notify(kNotifyNew, "new", "fresh");
  EXPECT_THAT(sub_.Take(), ElementsAre(Message{"__keyevent@0__:new", "fresh"}));
  n.SetFlags(0);
  EXPECT_FALSE(n.Wants(kNotifyString));
  n.Notify(kNotifyString, "append", "k");
  EXPECT_THAT(sub_.Take(), IsEmpty());
}

TEST_F(NotifierTest, CommandLayerCanOwnWriteEvents) {
  KeyspaceNotifier n(bus_, hub_, {.writes_from_bus = false, .cairn_events = true, .db = 0});
  n.SetFlags(*ParseNotifyFlags("KEA"));
  EXPECT_FALSE(bus_.Wants(EventType::kSet));
  EXPECT_FALSE(bus_.Wants(EventType::kDelete));
  EXPECT_TRUE(bus_.Wants(EventType::kEvicted));
  Emit(EventType::kSet, "k");  // would be a duplicate of the command's own "incrby"
  Emit(EventType::kEvicted, "v");
  EXPECT_THAT(Drain(), ElementsAre(Message{"__keyspace@0__:v", "evicted"},
                                   Message{"__keyevent@0__:evicted", "v"}));
}

TEST_F(NotifierTest, DatabaseNumberIsPartOfTheChannel) {
  KeyspaceNotifier n(bus_, hub_, {.writes_from_bus = true, .cairn_events = false, .db = 3});
  n.SetFlags(*ParseNotifyFlags("KEg"));
  n.Notify(kNotifyGeneric, "del", "k");
  EXPECT_THAT(sub_.Take(),
              ElementsAre(Message{"__keyspace@3__:k", "del"}, Message{"__keyevent@3__:del", "k"}));
}

TEST_F(NotifierTest, CairnEventsAreOneLineEach) {
  KeyspaceNotifier n(bus_, hub_);
  Emit(EventType::kPolicyChanged, "", "lru->lfu");
  Emit(EventType::kCapacityWarning, "big", "write refused: capacity reached");
  Emit(EventType::kFlushError, "", "io error:\ndisk full");
  Emit(EventType::kFlush, "", "");
  Emit(EventType::kSet, "not-a-cairn-event");
  EXPECT_THAT(Drain(), ElementsAre(Message{"__cairn__:events", "policy_changed - lru->lfu"},
                                   Message{"__cairn__:events",
                                           "capacity_warning big write refused: capacity reached"},
                                   Message{"__cairn__:events", "flush_error - io error: disk full"},
                                   Message{"__cairn__:events", "flush - -"}));
  n.NotifyCairn("snapshot", "", "saved 12 keys in 3 ms");
  EXPECT_THAT(sub_.Take(),
              ElementsAre(Message{"__cairn__:events", "snapshot - saved 12 keys in 3 ms"}));
}

TEST_F(NotifierTest, NothingIsBuiltWithoutSubscribers) {
  PubSubHub empty_hub;
  RecordingSubscriber late;
  KeyspaceNotifier n(bus_, empty_hub);
  n.SetFlags(*ParseNotifyFlags("KEA"));
  n.Notify(kNotifyString, "set", "k");  // no subscriber: returns at once
  empty_hub.Subscribe(&late, "__keyevent@0__:set");
  n.Notify(kNotifyString, "set", "k");
  EXPECT_THAT(late.Take(), ElementsAre(Message{"__keyevent@0__:set", "k"}));
}

TEST_F(NotifierTest, DestroyingWhileEventsAreInFlightIsSafe) {
  for (int round = 0; round < 20; ++round) {
    auto n = std::make_unique<KeyspaceNotifier>(bus_, hub_);
    n->SetFlags(*ParseNotifyFlags("KEA"));
    for (int i = 0; i < 200; ++i) Emit(EventType::kSet, "k" + std::to_string(i));
    n.reset();  // unsubscribes and waits for the batch the bus may be delivering
  }
  bus_.Drain();
  sub_.Take();
  Emit(EventType::kSet, "after");
  EXPECT_THAT(Drain(), IsEmpty());
}

}  // namespace
}  // namespace cairn
