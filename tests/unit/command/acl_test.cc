// ACL users through the real dispatcher and command table: rules, descriptions, the permission
// check (commands, subcommands, categories, %R~ / %W~ key patterns, channels), AUTH, ACL LOG and
// the one-flag fast path of a user with every permission.
#include <gtest/gtest.h>

#include <string>

#include "cairn/command/acl.h"
#include "command_fixture.h"

namespace cairn::test {
namespace {

class AclTest : public CommandTest {
 protected:
  AclTest() { Run({"ACL", "WHOAMI"}); }  // binds the table, as the server does at startup

  // Logs client_ in as `user` (password "pw").
  void LoginAs(std::string_view user) { ASSERT_EQ(Run({"AUTH", user, "pw"}), kOk); }

  static std::string NoPermCmd(std::string_view name) {
    return Err("NOPERM this user has no permissions to run the '" + std::string(name) +
               "' command");
  }
  static constexpr std::string_view kNoPermKey =
      "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";
  static constexpr std::string_view kNoPermChannel =
      "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n";
};

TEST_F(AclTest, PasswordsAreStoredAsSha256) {
  ASSERT_EQ(Run({"ACL", "SETUSER", "u", ">abc", ">",
                 ">abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"}),
            kOk);
  const Resp r = ParseWhole(Run({"ACL", "GETUSER", "u"}));
  ASSERT_EQ(r.items.size(), 12u);
  ASSERT_EQ(r.items[3].items.size(), 3u);
  EXPECT_EQ(r.items[3].items[0].str,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(r.items[3].items[1].str,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(r.items[3].items[2].str,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_F(AclTest, SetUserIsAllOrNothingAndDescribesAsRedis) {
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "on", ">pw", "~k*", "+get"}), kOk);
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "+set", "+nosuch"}),
            Err("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name "
                "in ACL"));
  const Resp list = ParseWhole(Run({"ACL", "LIST"}));
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[0].str, "user default on nopass ~* &* +@all");
  EXPECT_EQ(list.items[1].str,
            "user u on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* "
            "resetchannels -@all +get");
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "reset"}), kOk);
  EXPECT_EQ(ParseWhole(Run({"ACL", "LIST"})).items[1].str,
            "user u off sanitize-payload resetchannels -@all");
}

TEST_F(AclTest, CommandsSubcommandsAndCategories) {
  ASSERT_EQ(Run({"ACL", "SETUSER", "u", "on", ">pw", "allkeys", "+@read", "-keys", "+config|get"}),
            kOk);
  LoginAs("u");
  EXPECT_EQ(Run({"GET", "a"}), kNil);
  EXPECT_EQ(Run({"KEYS", "*"}), NoPermCmd("keys"));
  EXPECT_EQ(Run({"SET", "a", "1"}), NoPermCmd("set"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "10"}), NoPermCmd("config|set"));
  EXPECT_EQ(Run({"CONFIG", "GET", "hz"}).rfind("-NOPERM", 0), std::string::npos);
  EXPECT_EQ(Run({"AUTH", "u", "pw"}), kOk);  // no_auth commands always run
}

TEST_F(AclTest, KeyPatternsNeedTheAccessTheCommandMakes) {
  ASSERT_EQ(Run({"ACL", "SETUSER", "u", "on", ">pw", "+@all", "%R~r:*", "%W~w:*", "~rw:*"}), kOk);
  LoginAs("u");
  EXPECT_EQ(Run({"GET", "r:1"}), kNil);
  EXPECT_EQ(Run({"GET", "w:1"}), kNoPermKey);
  EXPECT_EQ(Run({"SET", "w:1", "v"}), kOk);                // SET writes only
  EXPECT_EQ(Run({"SET", "w:1", "v", "GET"}), kNoPermKey);  // ... unless GET reads it
  EXPECT_EQ(Run({"SET", "r:1", "v"}), kNoPermKey);
  EXPECT_EQ(Run({"INCR", "w:n"}), kNoPermKey);  // reads and writes
  EXPECT_EQ(Run({"INCR", "rw:n"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "r:1", "w:1"}), Int(1));  // the value is not read: any pattern
  EXPECT_EQ(Run({"EXISTS", "other"}), kNoPermKey);
  EXPECT_EQ(Run({"RENAME", "w:1", "rw:x"}), kNoPermKey);  // the source is read too
  EXPECT_EQ(Run({"RENAME", "rw:n", "w:2"}), kOk);
  EXPECT_EQ(Run({"MSET", "w:3", "1", "r:3", "2"}), kNoPermKey);
}

TEST_F(AclTest, ChannelsAndPatterns) {
  ASSERT_EQ(Run({"ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*", "&news.*"}), kOk);
  LoginAs("u");
  EXPECT_EQ(Run({"PUBLISH", "news.a", "m"}), Int(0));
  EXPECT_EQ(Run({"PUBLISH", "sports", "m"}), kNoPermChannel);
  EXPECT_EQ(Run({"PSUBSCRIBE", "news.?"}), kNoPermChannel);  // patterns compare literally
}

TEST_F(AclTest, ChangesReachConnectedClientsAndDenialsAreLogged) {
  ASSERT_EQ(Run({"ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*", "&*"}), kOk);
  ClientState admin;
  LoginAs("u");
  EXPECT_TRUE(server_.acl().ClientUser(client_).unrestricted);
  EXPECT_EQ(Run({"SET", "a", "1"}), kOk);
  ASSERT_EQ(RunAs(admin, {"ACL", "SETUSER", "u", "-set"}), kOk);
  EXPECT_FALSE(server_.acl().ClientUser(client_).unrestricted);
  EXPECT_EQ(Run({"SET", "a", "1"}), NoPermCmd("set"));
  EXPECT_EQ(Run({"SET", "a", "2"}), NoPermCmd("set"));
  const std::vector<AclLogEntry> log = server_.acl().LogEntries(10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].count, 2u);
  EXPECT_EQ(log[0].object, "set");
  EXPECT_EQ(log[0].username, "u");
  EXPECT_EQ(Run({"AUTH", "u", "wrong"}),
            Err("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(server_.acl().LogEntries(10)[0].reason, AclDenial::kAuth);
  EXPECT_EQ(Run({"ACL", "WHOAMI"}), Bulk("u"));  // a failed AUTH keeps the user
}

TEST_F(AclTest, DefaultUserIsUnrestrictedAndRequirepassIsItsPassword) {
  ClientState fresh;
  EXPECT_TRUE(server_.acl().ClientUser(fresh).unrestricted);
  EXPECT_TRUE(server_.acl().default_open());
  server_.acl().SetDefaultPassword("pw");
  EXPECT_FALSE(server_.acl().default_open());
  EXPECT_EQ(RunAs(fresh, {"GET", "a"}), Err("NOAUTH Authentication required."));
  EXPECT_EQ(RunAs(fresh, {"AUTH", "pw"}), kOk);
  EXPECT_EQ(RunAs(fresh, {"GET", "a"}), kNil);
  server_.acl().SetDefaultPassword("");
  EXPECT_TRUE(server_.acl().default_open());
}

}  // namespace
}  // namespace cairn::test
