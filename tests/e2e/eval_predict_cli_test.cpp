// Drives fovea-cli eval and predict as a script would, on a run trained here by the real
// fovea-cli (a small Fashion-MNIST folder, resnet18 from random weights at 32 px, two epochs:
// about 10 s, and unlike one epoch of a MobileNet it learns, so the figures are not trivial).
// The evaluation must reproduce the run's own validation figures, another folder is matched
// by class name, predictions cover files, folders, broken images and CSV, a published weight
// file without labels is previewed with indices, Grad-CAM overlays are written as core computes
// them, suggestions for a project's unlabeled images agree with predict, and errors have
// their exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "cli_test_support.h"
#include "fovea/core/image/image_decode.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/csv_format.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/explain_image.h"
#include "fovea/core/session/run_records.h"
#include "fovea/core/weights/safetensors.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

// One intra-op thread, so training's validation pass and eval reduce in the same order.
const std::vector<std::string> kOneThread{"OMP_NUM_THREADS=1"};
constexpr int kPerClass = 12;

std::string className(int label) { return core::fashionMnistClassNames()[label]; }

void writeImages(const fs::path& dir, std::vector<int> labels, int perClass, std::uint64_t seed) {
    core::FashionMnistFolderOptions options;
    options.classes = std::move(labels);
    options.imagesPerClass = perClass;
    options.seed = seed;
    auto written = core::writeFashionMnistFolder(dir, options);
    ASSERT_TRUE(written.ok()) << written.error().message;
}

fs::path writeBroken(const fs::path& file) {
    std::ofstream{file} << "not a PNG, just a note that was renamed\n";
    return file;
}

std::string errorOf(const JsonRun& run) {
    return run.json.is_object() && run.json.contains("error")
               ? run.json.at("error").get<std::string>()
               : std::string();
}

// fovea-cli on one intra-op thread: the same reductions as the training run, and no threads
// fighting over a loaded CI machine's cores (twice as fast there).
JsonRun cli(const std::vector<std::string>& args) { return runCliJson(args, kOneThread); }

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool sameFile(const std::string& a, const fs::path& b) {
    std::error_code error;
    return fs::equivalent(a, b, error);
}

// One run trained once for the whole suite (training is the slow part).
class EvalPredictCli : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_scratch = std::make_unique<TempFolder>("fovea-cli-eval");
        ASSERT_NO_FATAL_FAILURE(writeImages(data(), {0, 1, 7}, kPerClass, 7));
        s_train = std::make_unique<JsonRun>(
            cli({"train", "--data=" + data().string(), "--out=" + run().string(), "--arch=resnet18",
                 "--weights=none", "--image-size=32", "--epochs=2", "--batch-size=8",
                 "--augment=none", "--val-fraction=0.25", "--seed=3", "--json"}));
    }
    static void TearDownTestSuite() {
        s_train.reset();
        s_scratch.reset();
    }
    void SetUp() override {
        ASSERT_EQ(s_train->exitCode, 0) << s_train->output;
        ASSERT_TRUE(fs::is_regular_file(run() / "model.safetensors"));
    }

    static fs::path data() { return s_scratch->path() / "data"; }
    static fs::path run() { return s_scratch->path() / "run"; }
    static fs::path scratch(const std::string& name) { return s_scratch->path() / name; }
    static std::vector<std::string> modelClasses() {
        return s_train->json.at("classes").get<std::vector<std::string>>();
    }

    static std::unique_ptr<TempFolder> s_scratch;
    static std::unique_ptr<JsonRun> s_train;
};

std::unique_ptr<TempFolder> EvalPredictCli::s_scratch;
std::unique_ptr<JsonRun> EvalPredictCli::s_train;

TEST_F(EvalPredictCli, EvalReproducesTheRunsValidationFigures) {
    const auto eval = cli({"eval", "--run", run().string(), "--json"});
    ASSERT_EQ(eval.exitCode, 0) << eval.output;
    ASSERT_TRUE(printedOneObject(eval)) << eval.output;
    const auto& e = eval.json;
    const auto summary = nlohmann::json::parse(readWholeFile(run() / "summary.json"));
    const auto& best = summary.at("history").at(summary.at("best_epoch").get<std::size_t>());

    EXPECT_EQ(e.at("split"), "val");
    // In the precision the run validated in (the default, auto: bf16 where it is native).
    EXPECT_EQ(e.at("inference").at("precision"), summary.at("precision"));
    EXPECT_TRUE(sameFile(e.at("data").get<std::string>(), data())) << e.at("data");
    EXPECT_EQ(e.at("images"), s_train->json.at("images").at("validation"));
    EXPECT_EQ(e.at("accuracy").get<double>(), best.at("val_accuracy").get<double>());
    EXPECT_NEAR(e.at("mean_loss").get<double>(), best.at("val_loss").get<double>(), 1e-5);
    EXPECT_NEAR(e.at("macro_f1").get<double>(), best.at("val_macro_f1").get<double>(), 1e-12);
    // The same images, classified the same way, cell by cell.
    std::vector<std::int64_t> cells;
    for (const auto& row : e.at("confusion_matrix")) {
        for (const auto& cell : row) cells.push_back(cell);
    }
    EXPECT_EQ(cells, best.at("val_confusion").at("cells").get<std::vector<std::int64_t>>());

    EXPECT_EQ(e.at("classes"), modelClasses());
    EXPECT_EQ(e.at("top_k"), 3);  // 5 asked for, 3 classes
    EXPECT_EQ(e.at("top_k_accuracy").get<double>(), 1.0);
    ASSERT_EQ(e.at("per_class").size(), 3u);
    std::int64_t support = 0;
    for (const auto& c : e.at("per_class")) support += c.at("support").get<std::int64_t>();
    EXPECT_EQ(support, e.at("images").get<std::int64_t>());
    const auto& losses = e.at("top_losses");
    EXPECT_EQ(losses.size(), e.at("images").get<std::size_t>());  // fewer than 50 images
    for (std::size_t i = 1; i < losses.size(); ++i) {
        EXPECT_GE(losses[i - 1].at("loss").get<double>(), losses[i].at("loss").get<double>());
    }
    for (const auto& loss : losses) {
        EXPECT_TRUE(fs::is_regular_file(loss.at("path").get<std::string>())) << loss.dump();
        EXPECT_TRUE(loss.at("true_class").is_string()) << loss.dump();
        EXPECT_TRUE(loss.at("predicted_class").is_string()) << loss.dump();
        const double p = loss.at("predicted_probability");
        EXPECT_TRUE(p > 0 && p <= 1) << loss.dump();
    }
    EXPECT_FALSE(e.contains("outcomes")) << "every image's outcome goes to evaluation.json only";

    ASSERT_TRUE(sameFile(e.at("evaluation_file").get<std::string>(), run() / "evaluation.json"));
    const auto saved = nlohmann::json::parse(readWholeFile(run() / "evaluation.json"));
    EXPECT_EQ(saved.at("accuracy"), e.at("accuracy"));
    EXPECT_EQ(saved.at("outcomes").size(), e.at("images").get<std::size_t>());
}

// The run recorded the images it trained and validated on (images.json); eval reads them and
// only reads the project: with the project's splits cleared afterwards, it evaluates the same
// images to the same figures and the project database is left byte for byte as it was.
TEST_F(EvalPredictCli, EvalUsesTheRecordedImagesAndNeverWritesTheProject) {
    const auto recorded = nlohmann::json::parse(readWholeFile(run() / "images.json"));
    ASSERT_EQ(recorded.at("validation").size(),
              s_train->json.at("images").at("validation").get<std::size_t>());
    ASSERT_EQ(recorded.at("train").size(),
              s_train->json.at("images").at("train").get<std::size_t>());
    for (const auto& image : recorded.at("validation")) {
        EXPECT_TRUE(fs::is_regular_file(image.at("path").get<std::string>())) << image.dump();
        EXPECT_TRUE(
            contains(image.at("path").get<std::string>(), image.at("class").get<std::string>()));
    }

    const fs::path copy = scratch("run-recorded");
    fs::copy(run(), copy, fs::copy_options::recursive);
    fs::remove(copy / "evaluation.json");
    {
        auto store = core::ProjectStore::open(copy / "project");
        ASSERT_TRUE(store.ok()) << store.error().message;
        auto images = store.value().images();
        ASSERT_TRUE(images.ok());
        std::vector<core::ImageId> ids;
        for (const auto& image : images.value()) ids.push_back(image.id);
        ASSERT_TRUE(store.value().setSplit(ids, std::nullopt).ok());
    }
    // The database and its write-ahead log: a commit would change one of them.
    const auto databaseBytes = [&] {
        const fs::path db = copy / "project" / core::kProjectDatabaseName;
        const fs::path wal = db.string() + "-wal";
        return readWholeFile(db) + (fs::exists(wal) ? readWholeFile(wal) : std::string());
    };
    const std::string database = databaseBytes();
    const auto original = cli({"eval", "--run", run().string(), "--json"});
    const auto eval = cli({"eval", "--run", copy.string(), "--json"});
    ASSERT_EQ(eval.exitCode, 0) << eval.output;
    EXPECT_EQ(eval.json.at("images"), recorded.at("validation").size());
    EXPECT_EQ(eval.json.at("accuracy"), original.json.at("accuracy"));
    EXPECT_EQ(eval.json.at("confusion_matrix"), original.json.at("confusion_matrix"));
    EXPECT_TRUE(databaseBytes() == database) << "eval wrote to the project database";
    auto store = core::ProjectStore::open(copy / "project");
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (const auto& image : store.value().images().value()) {
        EXPECT_FALSE(image.split.has_value()) << image.path << " was given a split by eval";
    }
}

TEST_F(EvalPredictCli, EvalPrintsASummaryForPeople) {
    const auto result = runProcess(foveaBinary("fovea-cli"),
                                   {"eval", "--run", run().string(), "--top-k", "2"}, kOneThread);
    ASSERT_EQ(result.exitCode, 0) << result.output;
    for (const char* part : {"Accuracy", "top-2 accuracy", "precision", "Confusion matrix",
                             "Top losses", "evaluation.json"}) {
        EXPECT_TRUE(contains(result.output, part)) << part << " missing from:\n" << result.output;
    }
    for (const auto& name : modelClasses()) EXPECT_TRUE(contains(result.output, name)) << name;
}

TEST_F(EvalPredictCli, EvalOnAnotherFolderMatchesClassesByName) {
    // Other images of two of the model's classes, a class it lacks, and a broken file.
    const fs::path other = scratch("other");
    ASSERT_NO_FATAL_FAILURE(writeImages(other, {7, 1, 3}, 5, 99));
    const fs::path broken = writeBroken(other / className(7) / "broken.png");
    const auto eval = cli(
        {"eval", "--run", run().string(), "--data", other.string(), "--top-losses", "3", "--json"});
    ASSERT_EQ(eval.exitCode, 0) << eval.output;
    ASSERT_TRUE(printedOneObject(eval)) << eval.output;
    const auto& e = eval.json;
    EXPECT_EQ(e.at("split"), "all");
    EXPECT_EQ(e.at("images"), 10);
    EXPECT_EQ(e.at("classes_not_in_model"), (nlohmann::json{{className(3), 5}}));
    EXPECT_EQ(e.at("top_losses").size(), 3u);
    ASSERT_EQ(e.at("unusable").size(), 1u) << e.dump(2);
    EXPECT_TRUE(sameFile(e.at("unusable").at(0).at("path").get<std::string>(), broken));
    // Supports follow the names, whatever order the other folder gives its classes.
    for (const auto& c : e.at("per_class")) {
        const std::string name = c.at("class");
        EXPECT_EQ(c.at("support"), name == className(0) ? 0 : 5) << name;
    }
}

TEST_F(EvalPredictCli, PredictOnAFileAFolderAndABundle) {
    const fs::path image =
        data() / className(1) / fs::directory_iterator(data() / className(1))->path().filename();
    const auto single = cli({"predict", "--model", run().string(), image.string(), "--json"});
    ASSERT_EQ(single.exitCode, 0) << single.output;
    ASSERT_TRUE(printedOneObject(single)) << single.output;
    EXPECT_EQ(single.json.at("labels"), "model");
    EXPECT_EQ(single.json.at("top_k"), 3);
    ASSERT_EQ(single.json.at("predictions").size(), 1u);
    const auto& top = single.json.at("predictions").at(0).at("top");
    ASSERT_EQ(top.size(), 3u);
    double sum = 0;
    const auto classes = modelClasses();
    for (std::size_t j = 0; j < top.size(); ++j) {
        sum += top[j].at("probability").get<double>();
        if (j > 0) {
            EXPECT_GE(top[j - 1].at("probability"), top[j].at("probability"));
        }
        const auto index = top[j].at("index").get<std::size_t>();
        ASSERT_LT(index, classes.size());
        EXPECT_EQ(top[j].at("label"), classes[index]);
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);

    // A bundle is a folder with model.safetensors (and more); the same prediction.
    const fs::path bundle = scratch("bundle");
    fs::create_directories(bundle);
    fs::copy_file(run() / "model.safetensors", bundle / "model.safetensors");
    const auto fromBundle = cli({"predict", "--model", bundle.string(), image.string(), "--json"});
    ASSERT_EQ(fromBundle.exitCode, 0) << fromBundle.output;
    EXPECT_EQ(fromBundle.json.at("predictions"), single.json.at("predictions"));

    // A folder, recursively: every image of the data set.
    const auto folder = cli({"predict", "--model", (run() / "model.safetensors").string(),
                             data().string(), "--top-k", "1", "--json"});
    ASSERT_EQ(folder.exitCode, 0) << folder.output;
    EXPECT_EQ(folder.json.at("predictions").size(), 3u * kPerClass);
    EXPECT_EQ(folder.json.at("predictions").at(0).at("top").size(), 1u);
    EXPECT_TRUE(folder.json.at("skipped").empty());
}

// --precision bf16 runs the forward pass under bf16 autocast and says how many of the checked
// images keep their fp32 top-1 class; the count is checked against a separate fp32 run.
TEST_F(EvalPredictCli, PredictInBFloat16PrintsItsAgreementWithFp32) {
    const std::vector<std::string> common = {"predict", "--model", run().string(), data().string(),
                                             "--top-k", "1",       "--json"};
    auto args = common;
    const auto full = cli(args);
    ASSERT_EQ(full.exitCode, 0) << full.output;
    EXPECT_EQ(full.json.at("inference").at("precision"), "fp32");
    EXPECT_FALSE(full.json.at("inference").contains("agreement"));

    args.insert(args.end(), {"--precision", "bf16", "--agreement-sample", "5"});
    const auto low = cli(args);
    ASSERT_EQ(low.exitCode, 0) << low.output;
    const auto& inference = low.json.at("inference");
    EXPECT_EQ(inference.at("precision"), "bf16");
    EXPECT_EQ(inference.at("agreement").at("checked"), 5);
    std::int64_t same = 0;
    for (std::size_t i = 0; i < 5; ++i) {
        const auto& a = full.json.at("predictions").at(i);
        const auto& b = low.json.at("predictions").at(i);
        ASSERT_EQ(a.at("path"), b.at("path"));
        same += a.at("top").at(0).at("index") == b.at("top").at(0).at("index") ? 1 : 0;
    }
    EXPECT_EQ(inference.at("agreement").at("same"), same);

    // The people's output says the same in words.
    args.erase(std::find(args.begin(), args.end(), "--json"));
    const auto text = runCliJson(args, kOneThread);
    ASSERT_EQ(text.exitCode, 0) << text.output;
    EXPECT_TRUE(contains(text.output, "Ran in bf16: top-1 agrees with fp32 on ")) << text.output;
}

TEST_F(EvalPredictCli, PredictListsBrokenImagesAndWritesTheCsv) {
    const fs::path folder = scratch("mixed");
    ASSERT_NO_FATAL_FAILURE(writeImages(folder, {0}, 3, 5));
    const fs::path broken = writeBroken(folder / "broken.png");
    const fs::path csv = scratch("predictions.csv");
    const auto result = cli({"predict", "--model", run().string(), folder.string(), "--top-k", "2",
                             "--csv", csv.string(), "--json"});
    ASSERT_EQ(result.exitCode, 0) << result.output;
    ASSERT_TRUE(printedOneObject(result)) << result.output;
    EXPECT_EQ(result.json.at("predictions").size(), 3u);
    ASSERT_EQ(result.json.at("skipped").size(), 1u);
    const auto& skipped = result.json.at("skipped").at(0);
    EXPECT_TRUE(sameFile(skipped.at("path").get<std::string>(), broken));
    EXPECT_TRUE(contains(skipped.at("error").get<std::string>(), "broken.png")) << skipped;
    EXPECT_TRUE(sameFile(result.json.at("csv").get<std::string>(), csv));

    auto rows = core::parseCsv(readWholeFile(csv), csv.string());
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows.value().size(), 1u + 4u);
    EXPECT_EQ(rows.value()[0].fields,
              (std::vector<std::string>{"path", "label_1", "probability_1", "label_2",
                                        "probability_2", "error"}));
    const auto classes = modelClasses();
    const std::set<std::string> labels(classes.begin(), classes.end());
    int errors = 0;
    for (std::size_t i = 1; i < rows.value().size(); ++i) {
        const auto& f = rows.value()[i].fields;
        ASSERT_EQ(f.size(), 6u);
        if (!f[5].empty()) {
            ++errors;
            EXPECT_TRUE(sameFile(f[0], broken)) << f[0];
            continue;
        }
        EXPECT_EQ(labels.count(f[1]), 1u) << f[1];
        EXPECT_GE(std::stod(f[2]), std::stod(f[4]));
    }
    EXPECT_EQ(errors, 1);
}

TEST_F(EvalPredictCli, PreviewOfAWeightFileWithoutLabelsNamesClassesByIndex) {
    auto network = core::createNetwork("mobilenet_v3_small", 4).value();
    core::StateDict state;
    for (const auto& item : network->named_parameters()) state.insert(item.key(), item.value());
    for (const auto& item : network->named_buffers()) state.insert(item.key(), item.value());
    const fs::path weights = scratch("published.safetensors");
    ASSERT_TRUE(core::writeSafetensors(weights, state).ok());
    const fs::path image = data() / className(0);
    const auto result = cli({"predict", "--arch", "mobilenet_v3_small", "--weights",
                             weights.string(), image.string(), "--json"});
    ASSERT_EQ(result.exitCode, 0) << result.output;
    ASSERT_TRUE(printedOneObject(result)) << result.output;
    EXPECT_EQ(result.json.at("labels"), "indices");
    EXPECT_EQ(result.json.at("classes"), 4);
    EXPECT_EQ(result.json.at("top_k"), 4);
    EXPECT_EQ(result.json.at("predictions").size(), std::size_t{kPerClass});
    for (const auto& score : result.json.at("predictions").at(0).at("top")) {
        EXPECT_EQ(score.at("label"), std::to_string(score.at("index").get<int>()));
    }
}

// The probability `predict` gives `label` for `image` (every class is listed: top-k = 3).
double predictedProbability(const fs::path& run, const fs::path& image, const std::string& label) {
    const auto result = cli({"predict", "--model", run.string(), image.string(), "--json"});
    EXPECT_EQ(result.exitCode, 0) << result.output;
    if (!printedOneObject(result)) return -1;
    for (const auto& score : result.json.at("predictions").at(0).at("top")) {
        if (score.at("label") == label) return score.at("probability").get<double>();
    }
    return -1;
}

TEST_F(EvalPredictCli, ExplainWritesTheOverlayCoreComputesForTheTopClassOrTheOneAsked) {
    const fs::path image =
        data() / className(7) / fs::directory_iterator(data() / className(7))->path().filename();
    const fs::path out = scratch("explained");
    const auto top = cli(
        {"explain", "--model", run().string(), image.string(), "--out", out.string(), "--json"});
    ASSERT_EQ(top.exitCode, 0) << top.output;
    ASSERT_TRUE(printedOneObject(top)) << top.output;
    ASSERT_EQ(top.json.at("explanations").size(), 1u);
    const auto& explained = top.json.at("explanations").at(0);
    const fs::path overlay = explained.at("overlay").get<std::string>();
    EXPECT_EQ(overlay, fs::absolute(out / (image.stem().string() + ".gradcam.png")));
    EXPECT_EQ(explained.at("layer"), "layer4");

    // The top-1 class with predict's probability for it.
    const auto predicted = cli({"predict", "--model", run().string(), image.string(), "--json"});
    ASSERT_EQ(predicted.exitCode, 0) << predicted.output;
    const auto& best = predicted.json.at("predictions").at(0).at("top").at(0);
    EXPECT_EQ(explained.at("label"), best.at("label"));
    EXPECT_EQ(explained.at("class"), best.at("index"));
    EXPECT_NEAR(explained.at("probability").get<double>(), best.at("probability").get<double>(),
                1e-4);

    // The PNG holds what core::explainImage draws: the 32 px crop with the heatmap over it.
    auto model = core::loadModelSource(run());
    ASSERT_TRUE(model.ok()) << model.error().message;
    auto expected = core::explainImage(*model.value().model.network, image);
    ASSERT_TRUE(expected.ok()) << expected.error().message;
    auto written = core::decodeImage(overlay);
    ASSERT_TRUE(written.ok()) << written.error().message;
    ASSERT_EQ(written.value().rgb.size(), cv::Size(32, 32));
    EXPECT_LE(cv::norm(written.value().rgb, expected.value().overlay, cv::NORM_INF), 2.0);
    EXPECT_GT(cv::norm(written.value().rgb, expected.value().croppedRgb, cv::NORM_INF), 20.0);

    // --class by name: that class, with predict's probability for it; the file is replaced.
    const auto classes = modelClasses();
    const std::string other = classes[0] == best.at("label") ? classes[1] : classes[0];
    const auto asked = cli({"explain", "--model", run().string(), image.string(), "--out",
                            out.string(), "--class", other, "--json"});
    ASSERT_EQ(asked.exitCode, 0) << asked.output;
    const auto& forOther = asked.json.at("explanations").at(0);
    EXPECT_EQ(forOther.at("label"), other);
    EXPECT_NEAR(forOther.at("probability").get<double>(), predictedProbability(run(), image, other),
                1e-4);
    EXPECT_EQ(fs::path(forOther.at("overlay").get<std::string>()), overlay);
}

TEST_F(EvalPredictCli, ExplainKeepsSameNamedImagesApartAndSkipsBrokenOnes) {
    const fs::path folder = scratch("same-names");
    const fs::path source =
        data() / className(0) / fs::directory_iterator(data() / className(0))->path().filename();
    fs::create_directories(folder / "a");
    fs::create_directories(folder / "b");
    fs::copy_file(source, folder / "a" / "x.png");
    fs::copy_file(source, folder / "b" / "x.png");
    fs::copy_file(source, folder / "x-2.png");
    const fs::path broken = writeBroken(folder / "broken.png");
    const fs::path out = scratch("same-names-out");
    const auto result = cli(
        {"explain", "--model", run().string(), folder.string(), "--out", out.string(), "--json"});
    ASSERT_EQ(result.exitCode, 0) << result.output;
    ASSERT_TRUE(printedOneObject(result)) << result.output;
    ASSERT_EQ(result.json.at("explanations").size(), 3u);
    std::set<std::string> overlays;
    for (const auto& e : result.json.at("explanations")) {
        overlays.insert(fs::path(e.at("overlay").get<std::string>()).filename().string());
    }
    // Sorted by path: a/x.png, b/x.png, then x-2.png, whose own name is taken by then.
    EXPECT_EQ(overlays,
              (std::set<std::string>{"x.gradcam.png", "x-2.gradcam.png", "x-2-2.gradcam.png"}));
    for (const auto& name : overlays) EXPECT_TRUE(fs::is_regular_file(out / name)) << name;
    ASSERT_EQ(result.json.at("skipped").size(), 1u);
    EXPECT_TRUE(
        contains(result.json.at("skipped").at(0).at("error").get<std::string>(), "broken.png"));
    EXPECT_TRUE(sameFile(result.json.at("skipped").at(0).at("path").get<std::string>(), broken));

    // --class as an output index; one past the last is a usage error.
    const auto byIndex = cli({"explain", "--model", run().string(), (folder / "a").string(),
                              "--out", out.string(), "--class", "2", "--json"});
    ASSERT_EQ(byIndex.exitCode, 0) << byIndex.output;
    EXPECT_EQ(byIndex.json.at("explanations").at(0).at("class"), 2);
    EXPECT_EQ(byIndex.json.at("explanations").at(0).at("label"), modelClasses()[2]);
    const auto pastTheEnd = cli({"explain", "--model", run().string(), folder.string(), "--out",
                                 out.string(), "--class", "3", "--json"});
    EXPECT_EQ(pastTheEnd.exitCode, 2) << pastTheEnd.output;

    // A class the model does not have is a usage error that lists the ones it has.
    const auto unknown = cli({"explain", "--model", run().string(), folder.string(), "--out",
                              out.string(), "--class", "Unicorn", "--json"});
    EXPECT_EQ(unknown.exitCode, 2) << unknown.output;
    EXPECT_TRUE(contains(errorOf(unknown), "Unicorn")) << unknown.output;
    EXPECT_TRUE(contains(errorOf(unknown), modelClasses()[0])) << unknown.output;

    // Only broken images: nothing to explain is bad data, naming the file.
    const auto none = cli(
        {"explain", "--model", run().string(), broken.string(), "--out", out.string(), "--json"});
    EXPECT_EQ(none.exitCode, 3) << none.output;
    EXPECT_TRUE(contains(errorOf(none), "broken.png")) << none.output;
}

// Issue 22: suggestions for a project's unlabeled images, as predict would label them.
TEST_F(EvalPredictCli, SuggestStoresWhatPredictSaysForEachUnlabeledImage) {
    const fs::path images = scratch("suggest-images");
    core::FashionMnistFolderOptions options;
    options.classes = {0, 1, 7};
    options.imagesPerClass = 1;
    options.unlabeledImages = 9;
    options.seed = 21;
    ASSERT_TRUE(core::writeFashionMnistFolder(images, options).ok());
    writeBroken(images / "broken.png");
    // Three byte-identical copies of one unlabeled image: "Label next" must not put them
    // together (each tells the model what the first one did).
    fs::path original;
    for (const auto& entry : fs::directory_iterator(images)) {
        if (entry.is_regular_file() && entry.path().filename() != "broken.png") {
            original = entry.path();
            break;
        }
    }
    ASSERT_FALSE(original.empty());
    for (int copy = 1; copy <= 3; ++copy) {
        fs::copy_file(original, images / ("copy" + std::to_string(copy) + ".png"));
    }
    const fs::path project = scratch("suggest-project");
    const auto imported = cli({"import", images.string(), "--project", project.string(), "--json"});
    ASSERT_EQ(imported.exitCode, 0) << imported.output;

    const auto suggest =
        cli({"suggest", "--model", run().string(), "--project", project.string(), "--json"});
    ASSERT_EQ(suggest.exitCode, 0) << suggest.output;
    ASSERT_TRUE(printedOneObject(suggest)) << suggest.output;
    EXPECT_EQ(suggest.json.at("considered"), 12);  // the broken file failed its import probe
    EXPECT_EQ(suggest.json.at("suggested"), 12);
    EXPECT_TRUE(suggest.json.at("unmatched_classes").empty());

    auto store = core::ProjectStore::open(project);
    ASSERT_TRUE(store.ok()) << store.error().message;
    const auto classes = store.value().classes().value();
    std::map<core::ClassId, std::string> names;
    for (const auto& info : classes) names[info.id] = info.name;
    core::ImageFilter unlabeled;
    unlabeled.labeled = core::Require::No;
    unlabeled.hasError = core::Require::No;
    const auto records = store.value().images(unlabeled).value();
    ASSERT_EQ(records.size(), 12u);
    std::vector<std::string> files;
    for (const auto& record : records) files.push_back(record.path.string());
    std::vector<std::string> args = {"predict", "--model", run().string(),
                                     "--top-k", "3",       "--json"};
    args.insert(args.end(), files.begin(), files.end());
    const auto predicted = cli(args);
    ASSERT_EQ(predicted.exitCode, 0) << predicted.output;
    const auto& predictions = predicted.json.at("predictions");
    ASSERT_EQ(predictions.size(), records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        SCOPED_TRACE(files[i]);
        ASSERT_TRUE(records[i].suggestion.has_value());
        EXPECT_FALSE(records[i].classId.has_value());  // suggested, not labeled
        const auto& top = predictions[i].at("top");
        EXPECT_EQ(names.at(records[i].suggestion->classId), top[0].at("label").get<std::string>());
        EXPECT_NEAR(records[i].suggestion->confidence, top[0].at("probability").get<double>(),
                    1e-6);
    }
    // "Label next": once one of the four identical images is placed, the other three add
    // nothing new, so they come after every other image.
    std::map<core::ImageId, fs::path> pathOf;
    for (const auto& record : records) pathOf[record.id] = record.path;
    auto stored = store.value().suggestions().value();
    std::sort(stored.begin(), stored.end(),
              [](const auto& a, const auto& b) { return *a.labelOrder < *b.labelOrder; });
    std::vector<std::size_t> copyPlaces;
    for (std::size_t place = 0; place < stored.size(); ++place) {
        const fs::path& path = pathOf.at(stored[place].image);
        if (path.filename() == original.filename() ||
            path.filename().string().rfind("copy", 0) == 0)
            copyPlaces.push_back(place);
    }
    ASSERT_EQ(copyPlaces.size(), 4u);
    EXPECT_EQ(std::vector<std::size_t>(copyPlaces.begin() + 1, copyPlaces.end()),
              (std::vector<std::size_t>{9, 10, 11}));
    const auto entropy = cli({"suggest", "--model", run().string(), "--project", project.string(),
                              "--uncertainty", "entropy", "--json"});
    ASSERT_EQ(entropy.exitCode, 0) << entropy.output;
    EXPECT_EQ(entropy.json.at("uncertainty"), "entropy");

    // A project none of whose classes the model knows: a usage error naming both.
    const fs::path other = scratch("suggest-other");
    core::FashionMnistFolderOptions otherOptions;
    otherOptions.classes = {3, 4};
    otherOptions.imagesPerClass = 2;
    otherOptions.unlabeledImages = 2;
    ASSERT_TRUE(core::writeFashionMnistFolder(other / "images", otherOptions).ok());
    ASSERT_EQ(cli({"import", (other / "images").string(), "--project", other.string(), "--json"})
                  .exitCode,
              0);
    const auto mismatch =
        cli({"suggest", "--model", run().string(), "--project", other.string(), "--json"});
    EXPECT_EQ(mismatch.exitCode, 2) << mismatch.output;
    EXPECT_TRUE(contains(errorOf(mismatch), "has none")) << mismatch.output;
    const auto noProject = cli(
        {"suggest", "--model", run().string(), "--project", scratch("nowhere").string(), "--json"});
    EXPECT_EQ(noProject.exitCode, 2) << noProject.output;
}

// Issue 22: Refresh from the command line: no model, a head fitted on the offline backbone's
// embeddings of the labels so far; a second refresh embeds nothing again.
TEST_F(EvalPredictCli, SuggestRefreshFitsAHeadOnTheLabelsSoFar) {
    const fs::path images = scratch("refresh-images");
    core::FashionMnistFolderOptions options;
    options.classes = {0, 1, 7};
    options.imagesPerClass = 4;
    options.unlabeledImages = 6;
    options.seed = 22;
    ASSERT_TRUE(core::writeFashionMnistFolder(images, options).ok());
    const fs::path project = scratch("refresh-project");
    ASSERT_EQ(cli({"import", images.string(), "--project", project.string(), "--json"}).exitCode,
              0);

    const auto refresh = cli({"suggest", "--refresh", "--project", project.string(), "--json"});
    ASSERT_EQ(refresh.exitCode, 0) << refresh.output;
    ASSERT_TRUE(printedOneObject(refresh)) << refresh.output;
    EXPECT_EQ(refresh.json.at("labeled"), 12);
    EXPECT_EQ(refresh.json.at("classes"), 3);
    EXPECT_EQ(refresh.json.at("suggested"), 6);
    EXPECT_EQ(refresh.json.at("embeddings").at("computed"), 18);
    EXPECT_EQ(refresh.json.at("uncertainty"), "margin");
    auto store = core::ProjectStore::open(project);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto stored = store.value().suggestions().value();
    ASSERT_EQ(stored.size(), 6u);
    std::vector<std::int64_t> places;
    for (const auto& suggestion : stored) {
        EXPECT_EQ(suggestion.model.rfind("refresh: ", 0), 0u) << suggestion.model;
        ASSERT_TRUE(suggestion.labelOrder.has_value());
        places.push_back(*suggestion.labelOrder);
    }
    std::sort(places.begin(), places.end());
    EXPECT_EQ(places, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));

    const auto again = cli({"suggest", "--refresh", "--uncertainty", "entropy", "--project",
                            project.string(), "--json"});
    ASSERT_EQ(again.exitCode, 0) << again.output;
    EXPECT_EQ(again.json.at("embeddings").at("computed"), 0);
    EXPECT_EQ(again.json.at("embeddings").at("cached"), 18);
    EXPECT_EQ(again.json.at("uncertainty"), "entropy");

    const auto neither = cli({"suggest", "--project", project.string(), "--json"});
    EXPECT_EQ(neither.exitCode, 2) << neither.output;
    EXPECT_TRUE(contains(errorOf(neither), "--refresh")) << neither.output;
    const auto both = cli({"suggest", "--refresh", "--model", run().string(), "--project",
                           project.string(), "--json"});
    EXPECT_EQ(both.exitCode, 2) << both.output;
}

TEST_F(EvalPredictCli, ErrorsHaveTheirExitCodesAndNameTheProblem) {
    const fs::path missing = scratch("no-such-run");
    const auto noRun = cli({"eval", "--run", missing.string(), "--json"});
    EXPECT_EQ(noRun.exitCode, 2) << noRun.output;
    ASSERT_TRUE(printedOneObject(noRun)) << noRun.output;
    EXPECT_EQ(noRun.json.at("exit_code"), 2);
    EXPECT_TRUE(contains(errorOf(noRun), missing.string())) << noRun.output;

    // A folder without a model: an unfinished run, or the wrong folder.
    const auto noModel = cli({"eval", "--run", data().string(), "--json"});
    EXPECT_EQ(noModel.exitCode, 3) << noModel.output;
    EXPECT_TRUE(contains(errorOf(noModel), "model.safetensors")) << noModel.output;

    const fs::path corrupt = scratch("corrupt.safetensors");
    writeBroken(corrupt);
    const auto badModel = cli({"predict", "--model", corrupt.string(), data().string(), "--json"});
    EXPECT_EQ(badModel.exitCode, 3) << badModel.output;
    EXPECT_TRUE(contains(errorOf(badModel), corrupt.string())) << badModel.output;

    const auto noImages = cli({"predict", "--model", run().string(), missing.string(), "--json"});
    EXPECT_EQ(noImages.exitCode, 3) << noImages.output;
    EXPECT_TRUE(contains(errorOf(noImages), missing.string())) << noImages.output;

    const auto badWeights = cli({"predict", "--arch", "mobilenet_v3_small", "--weights",
                                 missing.string(), data().string(), "--json"});
    EXPECT_EQ(badWeights.exitCode, 3) << badWeights.output;
    EXPECT_TRUE(contains(errorOf(badWeights), missing.string())) << badWeights.output;

    // Usage errors, as JSON too.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"predict", data().string(), "--json"},
             {"predict", "--arch", "nope", data().string(), "--json"},
             {"predict", "--weights", "x.pth", data().string(), "--json"},
             {"eval", "--run", run().string(), "--split", "test", "--json"},
         }) {
        const auto usage = cli(args);
        EXPECT_EQ(usage.exitCode, 2) << args[0] << " " << args[1] << ": " << usage.output;
        ASSERT_TRUE(printedOneObject(usage)) << usage.output;
        EXPECT_EQ(usage.json.at("exit_code"), 2);
    }
}

}  // namespace
}  // namespace fovea::test
