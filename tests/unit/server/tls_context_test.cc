// TlsContext::Build: the checks and texts of Redis 7.0's tlsConfigure, and the options it sets.
// Certificates are made here with OpenSSL's API (a self-signed EC P-256 one), in a temp dir.
#include "tls_context.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include <gtest/gtest.h>

namespace cairn {
namespace {

namespace fs = std::filesystem;

// A self-signed certificate and its key, written as PEM files.
void WriteSelfSigned(const fs::path& crt, const fs::path& key) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_EC_gen("P-256"), EVP_PKEY_free);
  ASSERT_NE(pkey, nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
  ASSERT_EQ(X509_set_version(x509.get(), 2), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 3600);
  X509_set_pubkey(x509.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("cairn-test"), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  ASSERT_GT(X509_sign(x509.get(), pkey.get(), EVP_sha256()), 0);
  FILE* f = std::fopen(crt.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, x509.get());
  std::fclose(f);
  f = std::fopen(key.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cairn-tls-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    WriteSelfSigned(dir_ / "a.crt", dir_ / "a.key");
    WriteSelfSigned(dir_ / "b.crt", dir_ / "b.key");
    opts_.cert_file = dir_ / "a.crt";
    opts_.key_file = dir_ / "a.key";
    opts_.ca_cert_file = dir_ / "a.crt";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Error(const TlsOptions& o) {
    auto built = TlsContext::Build(o);
    if (auto* err = std::get_if<std::string>(&built)) return *err;
    return "";
  }

  fs::path dir_;
  TlsOptions opts_;
};

TEST_F(TlsContextTest, BuildsFromAValidConfiguration) {
  auto built = TlsContext::Build(opts_);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<TlsContext>>(built)) << Error(opts_);
  SSL_CTX* ctx = std::get<std::shared_ptr<TlsContext>>(built)->asio().native_handle();
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  const uint64_t options = SSL_CTX_get_options(ctx);
  EXPECT_TRUE(options & SSL_OP_NO_TLSv1_1) << "TLSv1.2 TLSv1.3 by default";
  EXPECT_FALSE(options & SSL_OP_NO_TLSv1_2);
  EXPECT_FALSE(options & SSL_OP_NO_TLSv1_3);
  EXPECT_EQ(SSL_CTX_get_session_cache_mode(ctx), SSL_SESS_CACHE_SERVER);
  EXPECT_EQ(SSL_CTX_sess_get_cache_size(ctx), 20 * 1024);
  EXPECT_EQ(SSL_CTX_get_timeout(ctx), 300);
}

TEST_F(TlsContextTest, OptionsFollowTheKeys) {
  opts_.auth_clients = TlsClientAuth::kOptional;
  opts_.protocols = "tlsv1.3";
  opts_.prefer_server_ciphers = true;
  opts_.session_caching = false;
  auto built = TlsContext::Build(opts_);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<TlsContext>>(built)) << Error(opts_);
  SSL_CTX* ctx = std::get<std::shared_ptr<TlsContext>>(built)->asio().native_handle();
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
  const uint64_t options = SSL_CTX_get_options(ctx);
  EXPECT_TRUE(options & SSL_OP_NO_TLSv1_2);
  EXPECT_FALSE(options & SSL_OP_NO_TLSv1_3);
  EXPECT_TRUE(options & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_TRUE(options & SSL_OP_NO_TICKET);
  EXPECT_EQ(SSL_CTX_get_session_cache_mode(ctx), SSL_SESS_CACHE_OFF);

  opts_.auth_clients = TlsClientAuth::kNo;
  opts_.ca_cert_file.clear();  // no CA needed when no client certificate is asked for
  built = TlsContext::Build(opts_);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<TlsContext>>(built)) << Error(opts_);
  EXPECT_EQ(
      SSL_CTX_get_verify_mode(std::get<std::shared_ptr<TlsContext>>(built)->asio().native_handle()),
      SSL_VERIFY_NONE);
}

TEST_F(TlsContextTest, RedisTextsForWhatIsMissingOrWrong) {
  TlsOptions o = opts_;
  o.cert_file.clear();
  EXPECT_EQ(Error(o), "No tls-cert-file configured!");
  o = opts_;
  o.key_file.clear();
  EXPECT_EQ(Error(o), "No tls-key-file configured!");
  o = opts_;
  o.ca_cert_file.clear();
  EXPECT_EQ(Error(o),
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients "
            "is enabled!");
  o = opts_;
  o.protocols = "TLSv1.2 SSLv3";
  EXPECT_EQ(Error(o),
            "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
            "and 'TLSv1.3'.");
  o = opts_;
  o.cert_file = dir_ / "missing.crt";
  EXPECT_EQ(Error(o).rfind("Failed to load certificate: " + (dir_ / "missing.crt").string(), 0), 0u)
      << Error(o);
  o = opts_;
  o.key_file = dir_ / "b.key";  // another certificate's key
  EXPECT_EQ(Error(o).rfind("Failed to load private key: " + (dir_ / "b.key").string(), 0), 0u)
      << Error(o);
  EXPECT_NE(Error(o).find("key values mismatch"), std::string::npos) << Error(o);
  o = opts_;
  o.ciphers = "NO-SUCH-CIPHER";
  EXPECT_EQ(Error(o), "Failed to configure ciphers: NO-SUCH-CIPHER");
  o = opts_;
  o.ciphersuites = "TLS_NO_SUCH_SUITE";
  EXPECT_EQ(Error(o), "Failed to configure ciphersuites: TLS_NO_SUCH_SUITE");
}

TEST_F(TlsContextTest, SlotHandsOutTheLatestAndKeepsOldOnesAlive) {
  TlsContextSlot slot;
  EXPECT_EQ(slot.Get(), nullptr);
  auto first = std::get<std::shared_ptr<TlsContext>>(TlsContext::Build(opts_));
  slot.Set(first);
  std::shared_ptr<TlsContext> held = slot.Get();  // what a connection accepted now keeps
  opts_.cert_file = dir_ / "b.crt";
  opts_.key_file = dir_ / "b.key";
  slot.Set(std::get<std::shared_ptr<TlsContext>>(TlsContext::Build(opts_)));
  first.reset();
  EXPECT_NE(slot.Get(), held);
  EXPECT_NE(SSL_CTX_get0_certificate(held->asio().native_handle()), nullptr);
}

}  // namespace
}  // namespace cairn
