#pragma once

#include <cstdint>
#include <vector>

namespace fovea::core {

struct ClassMetrics {
    double precision = 0;      // of the images predicted as this class, the fraction that are
    double recall = 0;         // of the images of this class, the fraction found
    double f1 = 0;             // harmonic mean of the two (0 when both are 0)
    std::int64_t support = 0;  // images of this class
};

// Counts of (true class, predicted class) over an evaluation; rows are the true classes.
class ConfusionMatrix {
  public:
    explicit ConfusionMatrix(int classes = 0)
        : m_classes(classes), m_cells(static_cast<std::size_t>(classes) * classes, 0) {}

    void add(std::int64_t truth, std::int64_t predicted, std::int64_t count = 1);
    void merge(const ConfusionMatrix& other);

    int classes() const { return m_classes; }
    std::int64_t count(std::int64_t truth, std::int64_t predicted) const;
    std::int64_t total() const;
    double accuracy() const;  // 0 when empty
    std::vector<ClassMetrics> perClass() const;
    double macroF1() const;
    // Row-major counts, classes() x classes().
    const std::vector<std::int64_t>& cells() const { return m_cells; }

  private:
    int m_classes;
    std::vector<std::int64_t> m_cells;
};

}  // namespace fovea::core
