// libFuzzer target: opening a project database (core::ProjectStore::open) whose file holds the
// input bytes, then reading it as the workbench does on opening (classes, counts, images,
// settings, import roots). A corrupt or foreign file must be an Error, never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <system_error>

#include "fovea/core/project/project_store.h"
#include "fuzz_support.h"

namespace fs = std::filesystem;
using namespace fovea::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fs::path dir = fovea::fuzz::scratchFolder("project-db") / "project";
    std::error_code ec;
    fs::remove_all(dir, ec);  // no WAL or journal left from the previous input
    fs::create_directories(dir);
    fovea::fuzz::writeBytes(dir / kProjectDatabaseName, data, size);

    auto store = ProjectStore::open(dir);
    if (!store.ok()) {
        fovea::fuzz::showError(store.error().message);
        if (store.error().message.empty()) std::abort();
        return 0;
    }
    const ProjectStore& project = store.value();
    (void)project.classes();
    (void)project.classCounts();
    (void)project.importRoots();
    (void)project.knownImages();
    (void)project.setting("fuzz");
    ImageFilter labeled;
    labeled.labeled = Require::Yes;
    labeled.limit = 50;
    (void)project.imageCount(labeled);
    auto images = project.images(labeled);
    if (images.ok() && !images.value().empty()) (void)project.image(images.value().front().id);
    // One write, as the first labeling key press would do.
    auto classes = project.classes();
    if (classes.ok() && images.ok() && !images.value().empty() && !classes.value().empty()) {
        (void)store.value().setLabel({images.value().front().id}, classes.value().front().id);
    }
    return 0;
}
