#pragma once

// Groups of duplicate images among fingerprinted ones: exact copies (the same bytes) and near
// copies (the same picture re-encoded, resized or slightly cropped). Free of LibTorch.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fovea/core/health/image_fingerprint.h"

namespace fovea::core {

struct NearDuplicateOptions {
    // Two images whose perceptual hashes differ in at most this many of 64 bits are the same
    // picture. 10 finds re-encoded, resized and lightly cropped copies of photographs while
    // unrelated photographs stay apart (about 32 bits); lower it for datasets of look-alike
    // images (aligned product shots, documents).
    int maxHashDistance = 10;
    // Hashes this close are the same picture whatever the embeddings say (a re-encoded or
    // resized copy stays within a few bits; a backbone's features can shift with the artefacts).
    int sameHashDistance = 4;
    // When embeddings are given, two images whose
    // embeddings have at least this cosine similarity are the same picture too (catches
    // stronger crops than the hash)...
    double minCosine = 0.97;
    // ...and a pair close by hash counts only if its embeddings agree this much: look-alike
    // images (aligned product shots of one kind) share most hash bits but not their details.
    double minCosineWithHash = 0.93;
    // With embeddings, a pair counts only if its images stand apart from their other
    // neighbours: the pair's embedding distance (1 - cosine) at most this share of each
    // image's distance to its neighbourRank-th nearest image. Look-alikes (aligned product
    // shots, one cut of sneaker in Fashion-MNIST) are about as close to many images; a copy is
    // much closer to its original than to anything else (a set of more than neighbourRank
    // copies of one picture would be missed).
    double maxShareOfNeighbourDistance = 0.5;
    int neighbourRank = 10;
};

enum class DuplicateKind { Exact, Near };

struct DuplicateGroup {
    DuplicateKind kind = DuplicateKind::Exact;
    std::vector<std::size_t> members;  // indices into the fingerprints, ascending
};

// Exact groups: images with the same content hash. Near groups: images linked, directly or
// through others, by a hash distance (confirmed by the embeddings where given) or embedding
// similarity within the options, that are not
// all exact copies of one another (a near group may contain exact copies). Every group has at
// least two members; an image is in at most one exact and one near group. `embeddings`, when
// given, holds one L2-normalised vector per fingerprint (empty for images without one).
std::vector<DuplicateGroup> findDuplicateGroups(
    const std::vector<ImageFingerprint>& fingerprints, const NearDuplicateOptions& options = {},
    const std::vector<std::vector<float>>* embeddings = nullptr);

}  // namespace fovea::core
