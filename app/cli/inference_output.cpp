#include "inference_output.h"

namespace fovea::cli {

std::string precisionNote(const core::InferenceFacts& facts) {
    if (facts.precision == core::Precision::Float32) return "";
    std::string note = "Ran in " + std::string(core::precisionName(facts.precision));
    if (facts.agreementChecked > 0) {
        note += ": top-1 agrees with fp32 on " + std::to_string(facts.agreementSame) + " of " +
                std::to_string(facts.agreementChecked) + " images checked";
    } else {
        note += " (not compared with fp32: --agreement-sample 0)";
    }
    return note + "\n";
}

}  // namespace fovea::cli
