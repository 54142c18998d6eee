// Helper for crash_test.cpp: opens the project given on the command line and applies an
// endless stream of label changes, printing "ack <n>" after each one is committed, until it is
// killed. The change stream is a pure function of n (crashChange in crash_stream.h), so the
// parent can replay it.
#include <cstdio>
#include <cstdlib>

#include "crash_stream.h"
#include "fovea/core/project/project_store.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <project folder>\n", argv[0]);
        return 2;
    }
    auto store = fovea::core::ProjectStore::open(argv[1]);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().message.c_str());
        return 1;
    }
    auto images = store.value().images();
    auto classes = store.value().classes();
    if (!images || !classes) return 1;
    std::vector<fovea::core::ImageId> imageIds;
    for (const auto& image : images.value()) imageIds.push_back(image.id);
    std::vector<fovea::core::ClassId> classIds;
    for (const auto& info : classes.value()) classIds.push_back(info.id);

    // Bounded so a child whose parent died cannot run forever.
    for (int n = 0; n < 1'000'000; ++n) {
        const auto change = fovea::test::crashChange(n, imageIds, classIds);
        auto applied = store.value().setLabel(change.ids, change.classId);
        if (!applied) {
            std::fprintf(stderr, "change %d: %s\n", n, applied.error().message.c_str());
            return 1;
        }
        std::printf("ack %d\n", n);
        std::fflush(stdout);
    }
    return 0;
}
