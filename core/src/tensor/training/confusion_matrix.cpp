#include "fovea/core/training/confusion_matrix.h"

#include <numeric>
#include <stdexcept>

namespace fovea::core {

void ConfusionMatrix::add(std::int64_t truth, std::int64_t predicted, std::int64_t count) {
    if (truth < 0 || truth >= m_classes || predicted < 0 || predicted >= m_classes) {
        throw std::out_of_range("ConfusionMatrix::add: class index out of range");
    }
    m_cells[static_cast<std::size_t>(truth * m_classes + predicted)] += count;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
    if (other.m_classes != m_classes) throw std::invalid_argument("ConfusionMatrix::merge");
    for (std::size_t i = 0; i < m_cells.size(); ++i) m_cells[i] += other.m_cells[i];
}

std::int64_t ConfusionMatrix::count(std::int64_t truth, std::int64_t predicted) const {
    return m_cells[static_cast<std::size_t>(truth * m_classes + predicted)];
}

std::int64_t ConfusionMatrix::total() const {
    return std::accumulate(m_cells.begin(), m_cells.end(), std::int64_t{0});
}

double ConfusionMatrix::accuracy() const {
    std::int64_t correct = 0;
    for (int c = 0; c < m_classes; ++c) correct += count(c, c);
    const std::int64_t all = total();
    return all > 0 ? static_cast<double>(correct) / static_cast<double>(all) : 0.0;
}

std::vector<ClassMetrics> ConfusionMatrix::perClass() const {
    std::vector<ClassMetrics> metrics(static_cast<std::size_t>(m_classes));
    for (int c = 0; c < m_classes; ++c) {
        std::int64_t predictedAsC = 0;
        std::int64_t actuallyC = 0;
        for (int other = 0; other < m_classes; ++other) {
            predictedAsC += count(other, c);
            actuallyC += count(c, other);
        }
        const double truePositives = static_cast<double>(count(c, c));
        ClassMetrics& m = metrics[static_cast<std::size_t>(c)];
        m.support = actuallyC;
        m.precision = predictedAsC > 0 ? truePositives / predictedAsC : 0.0;
        m.recall = actuallyC > 0 ? truePositives / actuallyC : 0.0;
        m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall)
                                          : 0.0;
    }
    return metrics;
}

double ConfusionMatrix::macroF1() const {
    const auto metrics = perClass();
    if (metrics.empty()) return 0.0;
    double sum = 0;
    for (const auto& m : metrics) sum += m.f1;
    return sum / static_cast<double>(metrics.size());
}

}  // namespace fovea::core
