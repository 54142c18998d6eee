// Acknowledged label changes survive a SIGKILL: a real child process applies changes and
// prints "ack n" after each commit; it is killed mid-stream, and every acknowledged change
// must be in the database (with the one in flight either fully there or not at all).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "crash_stream.h"
#include "fovea/core/project/project_store.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

fs::path childExecutable() {
    // Built next to the test executable (tests/CMakeLists.txt puts both in <build>/tests).
    return fs::read_symlink("/proc/self/exe").parent_path() / "project_crash_child";
}

using Labels = std::map<ImageId, std::optional<ClassId>>;

// The labels after changes 0..last applied on top of `start` (last = -1: none).
Labels replay(Labels labels, int last, const std::vector<ImageId>& images,
              const std::vector<ClassId>& classes) {
    for (int n = 0; n <= last; ++n) {
        const auto change = test::crashChange(n, images, classes);
        for (ImageId id : change.ids) labels[id] = change.classId;
    }
    return labels;
}

struct ChildRun {
    int lastAck = -1;
    std::string output;
    int status = 0;
};

// Starts the child, reads its acks until `killAfter` are in, then SIGKILLs it.
ChildRun runAndKill(const fs::path& project, int killAfter) {
    ChildRun run;
    int fds[2];
    if (pipe(fds) != 0) return run;
    const std::string program = childExecutable().string();
    const std::string folder = project.string();
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(program.c_str(), program.c_str(), folder.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    std::string pending;
    char buffer[4096];
    bool killed = false;
    ssize_t count;
    while ((count = read(fds[0], buffer, sizeof buffer)) > 0) {
        run.output.append(buffer, static_cast<std::size_t>(count));
        pending.append(buffer, static_cast<std::size_t>(count));
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            const std::string line = pending.substr(0, newline);
            pending.erase(0, newline + 1);
            if (line.rfind("ack ", 0) == 0) run.lastAck = std::stoi(line.substr(4));
        }
        if (!killed && run.lastAck + 1 >= killAfter) {
            kill(pid, SIGKILL);  // the child is in the middle of its next change
            killed = true;
        }
    }
    close(fds[0]);
    waitpid(pid, &run.status, 0);
    return run;
}

Labels labelsInDatabase(const fs::path& project) {
    Labels labels;
    ProjectStore store = test::openProject(project);
    const auto images = store.images().value();
    for (const auto& image : images) labels[image.id] = image.classId;
    return labels;
}

std::string integrityCheck(const fs::path& database) {
    sqlite3* db = nullptr;
    sqlite3_open(database.c_str(), &db);
    sqlite3_stmt* statement = nullptr;
    std::string result;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr);
    if (sqlite3_step(statement) == SQLITE_ROW) {
        result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return result;
}

TEST(ProjectCrash, AcknowledgedLabelChangesSurviveSigkill) {
    ASSERT_TRUE(fs::exists(childExecutable())) << childExecutable();
    test::TempDir dir;
    std::vector<ImageId> images;
    std::vector<ClassId> classes;
    {
        ProjectStore store = test::createProject(dir.path());
        std::vector<fs::path> paths;
        for (int i = 0; i < 40; ++i) paths.push_back("img/" + std::to_string(100 + i) + ".png");
        images = test::addFakeImages(store, paths);
        for (const char* name : {"cat", "dog", "bird", "fish"}) {
            classes.push_back(store.addClass(name).value());
        }
    }

    // Several rounds, each killed at a different point; every round replays the same stream
    // from change 0 onto the state the previous round left.
    Labels state = labelsInDatabase(dir.path());
    for (int killAfter : {60, 150, 97}) {
        const ChildRun run = runAndKill(dir.path(), killAfter);
        ASSERT_TRUE(WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGKILL)
            << "the child ended on its own: " << run.output;
        ASSERT_GE(run.lastAck + 1, killAfter) << run.output;

        EXPECT_EQ(integrityCheck(dir / kProjectDatabaseName), "ok");
        const Labels found = labelsInDatabase(dir.path());
        const Labels acknowledged = replay(state, run.lastAck, images, classes);
        const Labels inFlight = replay(state, run.lastAck + 1, images, classes);
        // Each acknowledged change is there; the one in flight is all there or not at all.
        EXPECT_TRUE(found == acknowledged || found == inFlight)
            << "kill after ack " << run.lastAck << " lost or half-applied a change";
        state = found;
    }
}

}  // namespace
}  // namespace fovea::core
