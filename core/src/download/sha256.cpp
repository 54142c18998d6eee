#include "fovea/core/download/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace fovea::core {

Result<std::string> sha256OfFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{file.string() + ": cannot open to compute its SHA-256"};
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
        return Error{"SHA-256 is not available from OpenSSL"};
    }
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0) EVP_DigestUpdate(context.get(), buffer.data(), in.gcount());
    }
    if (in.bad()) return Error{file.string() + ": read error while computing its SHA-256"};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), digest, &length);
    static const char* const kHex = "0123456789abcdef";
    std::string hex;
    for (unsigned int index = 0; index < length; ++index) {
        hex += kHex[digest[index] >> 4];
        hex += kHex[digest[index] & 15];
    }
    return hex;
}

bool digestMatches(const std::string& digest, const std::string& expected) {
    if (expected.size() < 8 || expected.size() > digest.size()) return false;
    for (size_t index = 0; index < expected.size(); ++index) {
        if (std::tolower(static_cast<unsigned char>(expected[index])) != digest[index])
            return false;
    }
    return true;
}

}  // namespace fovea::core
