// The command table and the dispatcher's gates: lookup, arity, auth, reply modes, counters.
#include <string>

#include "cairn/command/acl.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

using ReplyMode = ClientState::ReplyMode;

void ReplyOkHandler(CommandContext& ctx, Args) { ctx.reply.Ok(); }
void EchoSecondArg(CommandContext& ctx, Args args) { ctx.reply.Bulk(args[1]); }
void SkipViaFlag(CommandContext& ctx, Args) {
  ctx.client.skip_next_reply = true;
  ctx.reply.Ok();
}
void SkipViaMode(CommandContext& ctx, Args) { ctx.client.reply_mode = ReplyMode::kSkip; }
void ReplyOff(CommandContext& ctx, Args) { ctx.client.reply_mode = ReplyMode::kOff; }
void ReplyOn(CommandContext& ctx, Args) {
  ctx.client.reply_mode = ReplyMode::kOn;
  ctx.reply.Ok();
}
// A push frame (a subscribe confirmation's shape), then a normal reply.
void PushThenOk(CommandContext& ctx, Args) {
  ctx.reply.PushHeader(1);
  ctx.reply.Bulk("push");
  ctx.reply.EndPush();
  ctx.reply.Ok();
}

CommandSpec TestSpec(std::string name, int arity, uint32_t flags, CommandHandler h) {
  CommandSpec spec;
  spec.name = std::move(name);
  spec.arity = arity;
  spec.flags = flags;
  spec.handler = h;
  spec.group = "server";
  return spec;
}

using DispatcherTest = CommandTest;

TEST_F(DispatcherTest, TableLookupIsCaseInsensitive) {
  const CommandSpec* get = table_.Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  EXPECT_EQ(table_.Find("GET"), get);
  EXPECT_EQ(table_.Find("gEt"), get);
  EXPECT_EQ(table_.Find("getx"), nullptr);
  EXPECT_EQ(table_.Find(""), nullptr);
  EXPECT_EQ(table_.Find("ge"), nullptr);
}

TEST_F(DispatcherTest, TableFindsSubcommandsByFullName) {
  const CommandSpec* enc = table_.FindFullName("OBJECT|Encoding");
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->full_name, "object|encoding");
  EXPECT_EQ(enc->group, "keyspace");  // inherited from the parent
  EXPECT_EQ(table_.FindFullName("object|nope"), nullptr);
  EXPECT_EQ(table_.FindFullName("nope|encoding"), nullptr);
  EXPECT_EQ(table_.FindFullName("ttl"), table_.Find("ttl"));
}

TEST_F(DispatcherTest, TableReRegistrationReplacesAndManyNamesStayFindable) {
  CommandTable table;
  for (int i = 0; i < 300; ++i) {
    table.Register(TestSpec("Cmd" + std::to_string(i), 1, 0, &ReplyOkHandler));
  }
  for (int i = 0; i < 300; ++i) {
    const CommandSpec* spec = table.Find("CMD" + std::to_string(i));
    ASSERT_NE(spec, nullptr) << i;
    EXPECT_EQ(spec->name, "cmd" + std::to_string(i));
  }
  table.Register(TestSpec("cmd7", -2, 0, &EchoSecondArg));
  EXPECT_EQ(table.all().size(), 300u);
  EXPECT_EQ(table.Find("cmd7")->arity, -2);
}

TEST_F(DispatcherTest, UnknownCommandListsItsFirstArguments) {
  EXPECT_EQ(Run({"foo", "a", "b"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(Run({"foo"}), "-ERR unknown command 'foo', with args beginning with: \r\n");
  // Newlines cannot break the protocol.
  EXPECT_EQ(Run({"f\r\no", "x\ny"}),
            "-ERR unknown command 'f  o', with args beginning with: 'x y' \r\n");
}

TEST_F(DispatcherTest, UnknownCommandTruncatesArgumentsAt128Bytes) {
  const std::string a(100, 'a'), b(100, 'b'), name(200, 'n');
  const std::string out = Run({name, a, b, "never"});
  // The name is cut at 128 bytes; the argument list stops once it holds 128 bytes, the second
  // argument being cut to the 25 bytes left (128 - the 103 bytes of "'a...a' ").
  EXPECT_EQ(out, "-ERR unknown command '" + std::string(128, 'n') +
                     "', with args beginning with: '" + a + "' '" + std::string(25, 'b') +
                     "' \r\n");
}

TEST_F(DispatcherTest, UnknownSubcommandSuggestsHelp) {
  EXPECT_EQ(Run({"object", "foo", "k"}), "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
  EXPECT_EQ(Run({"Memory", "bar"}), "-ERR unknown subcommand 'bar'. Try MEMORY HELP.\r\n");
}

TEST_F(DispatcherTest, ArityIsCheckedWithFullNames) {
  EXPECT_EQ(Run({"get"}), Arity("get"));
  EXPECT_EQ(Run({"GET", "a", "b"}), Arity("get"));
  EXPECT_EQ(Run({"set", "k"}), Arity("set"));
  EXPECT_EQ(Run({"object"}), Arity("object"));
  EXPECT_EQ(Run({"object", "encoding"}), Arity("object|encoding"));
  EXPECT_EQ(Run({"object", "ENCODING", "a", "b"}), Arity("object|encoding"));
  EXPECT_EQ(Run({"memory", "usage"}), Arity("memory|usage"));
}

TEST_F(DispatcherTest, AuthGateRefusesUntilAuthenticated) {
  server_.acl().SetDefaultPassword("secret");
  table_.Register(TestSpec("testnoauth", 1, kCmdNoAuth, &ReplyOkHandler));
  EXPECT_EQ(Run({"set", "k", "v"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Run({"testnoauth"}), kOk);
  // Lookup and arity come first, as in Redis.
  EXPECT_EQ(Run({"nosuch"}), "-ERR unknown command 'nosuch', with args beginning with: \r\n");
  EXPECT_EQ(Run({"get"}), Arity("get"));
  EXPECT_FALSE(cache_->Exists("k"));
  client_.authenticated = true;
  EXPECT_EQ(Run({"set", "k", "v"}), kOk);
  server_.acl().SetDefaultPassword("");
  client_.authenticated = false;
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
}

TEST_F(DispatcherTest, CountersAndPerCommandStats) {
  Run({"set", "k", "v"});
  Run({"get", "k"});
  Run({"get", "k"});
  Run({"get"});        // rejected: arity
  Run({"nosuch"});     // rejected: unknown
  Run({"incr", "k"});  // executed, failed
  EXPECT_EQ(server_.counters_.total_commands.load(), 4u);
  EXPECT_EQ(server_.counters_.total_error_replies.load(), 3u);
  const CommandSpec* get = table_.Find("get");
  EXPECT_EQ(get->stats.calls.load(), 2u);
  EXPECT_EQ(get->stats.rejected_calls.load(), 1u);
  EXPECT_EQ(get->stats.failed_calls.load(), 0u);
  EXPECT_EQ(table_.Find("incr")->stats.failed_calls.load(), 1u);
  Run({"object", "encoding", "k"});
  EXPECT_EQ(table_.FindFullName("object|encoding")->stats.calls.load(), 1u);
}

TEST_F(DispatcherTest, LastCommandIsTheResolvedFullName) {
  Run({"GET", "k"});
  EXPECT_EQ(client_.last_command, "get");
  Run({"object", "Freq", "k"});
  EXPECT_EQ(client_.last_command, "object|freq");
  Run({"nosuch"});
  EXPECT_EQ(client_.last_command, "");
}

TEST_F(DispatcherTest, EmptyCommandIsIgnored) {
  std::string out;
  ReplyBuilder reply(out);
  CommandContext ctx{*cache_, server_, client_, reply};
  dispatcher_.Execute(ctx, {});
  EXPECT_EQ(out, "");
}

TEST_F(DispatcherTest, ReplyOffDropsEveryReplyUntilOn) {
  table_.Register(TestSpec("testoff", 1, 0, &ReplyOff));
  table_.Register(TestSpec("teston", 1, 0, &ReplyOn));
  EXPECT_EQ(Run({"testoff"}), "");
  EXPECT_EQ(Run({"set", "k", "v"}), "");
  EXPECT_EQ(Run({"get"}), "");  // errors too
  EXPECT_EQ(Run({"get", "k"}), "");
  EXPECT_EQ(Run({"teston"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));  // the write ran while replies were off
}

TEST_F(DispatcherTest, ReplySkipDropsItsOwnAndTheNextReply) {
  table_.Register(TestSpec("testskip", 1, 0, &SkipViaFlag));
  table_.Register(TestSpec("testskipmode", 1, 0, &SkipViaMode));
  EXPECT_EQ(Run({"testskip"}), "");
  EXPECT_EQ(Run({"set", "k", "v"}), "");
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(client_.reply_mode, ReplyMode::kOn);

  EXPECT_EQ(Run({"testskipmode"}), "");
  EXPECT_EQ(Run({"nosuch"}), "");  // a refused command is skipped too
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));

  // SKIP twice in a row: the second is silenced and re-arms the skip.
  Run({"testskip"});
  EXPECT_EQ(Run({"testskip"}), "");
  EXPECT_EQ(Run({"get", "k"}), "");
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
}

// Redis 7.0: ON clears an armed SKIP and is answered.
TEST_F(DispatcherTest, ReplyOnAfterSkipIsAnswered) {
  table_.Register(TestSpec("testskip", 1, 0, &SkipViaFlag));
  table_.Register(TestSpec("teston", 1, 0, &ReplyOn));
  EXPECT_EQ(Run({"testskip"}), "");
  EXPECT_EQ(Run({"teston"}), kOk);
  EXPECT_EQ(Run({"echo", "x"}), Bulk("x"));
}

// Pushes are never dropped by CLIENT REPLY OFF or SKIP; the rest of the reply is.
TEST_F(DispatcherTest, ReplyOffAndSkipKeepPushes) {
  table_.Register(TestSpec("testpush", 1, 0, &PushThenOk));
  table_.Register(TestSpec("testoff", 1, 0, &ReplyOff));
  table_.Register(TestSpec("teston", 1, 0, &ReplyOn));
  table_.Register(TestSpec("testskip", 1, 0, &SkipViaFlag));
  EXPECT_EQ(Run({"testpush"}), "*1\r\n" + Bulk("push") + std::string(kOk));
  EXPECT_EQ(Run({"testoff"}), "");
  EXPECT_EQ(Run({"testpush"}), "*1\r\n" + Bulk("push"));
  EXPECT_EQ(Run({"echo", "x"}), "");  // a later reply is not taken for a push
  EXPECT_EQ(Run({"teston"}), kOk);
  EXPECT_EQ(Run({"testskip"}), "");
  EXPECT_EQ(Run({"testpush"}), "*1\r\n" + Bulk("push"));
  EXPECT_EQ(Run({"testpush"}), "*1\r\n" + Bulk("push") + std::string(kOk));
}

TEST_F(DispatcherTest, SubcommandWithoutHandlerRunsTheParents) {
  CommandSpec parent = TestSpec("testparent", -2, 0, &EchoSecondArg);
  parent.subcommands.push_back(TestSpec("sub", 3, 0, nullptr));
  table_.Register(std::move(parent));
  EXPECT_EQ(Run({"testparent", "SUB", "x"}), Bulk("SUB"));
  EXPECT_EQ(Run({"testparent", "sub"}), Arity("testparent|sub"));
  EXPECT_EQ(Run({"testparent", "other"}),
            "-ERR unknown subcommand 'other'. Try TESTPARENT HELP.\r\n");
}

}  // namespace
}  // namespace cairn::test
