#include "about_dialog.h"

#include <QMessageBox>
#include <QString>

#include "fovea/core/system_info.h"

namespace fovea::ui {

void openAboutDialog(QWidget* parent) {
    const auto info = core::collectSystemInfo();
    const QString device = QString::fromStdString(core::defaultDeviceLabel(info.torch));
    const QString text =
        QString(
            "<h3>Fovea %1</h3>"
            "<p>A local workbench for transfer learning in computer vision: label images, "
            "fine-tune a pretrained network, see where it is wrong, export it.</p>"
            "<table>"
            "<tr><td>LibTorch</td><td>%2</td></tr>"
            "<tr><td>Device</td><td>%3</td></tr>"
            "<tr><td>Threads</td><td>%4 intra-op of %5 cores</td></tr>"
            "<tr><td>BLAS</td><td>%6</td></tr>"
            "<tr><td>OpenCV</td><td>%7</td></tr>"
            "<tr><td>Qt</td><td>%8</td></tr>"
            "</table>")
            .arg(QString::fromStdString(info.foveaVersion),
                 QString::fromStdString(info.torch.libtorchVersion), device.toHtmlEscaped(),
                 QString::number(info.torch.intraOpThreads), QString::number(info.availableCores),
                 QString::fromStdString(info.blas.name).toHtmlEscaped(),
                 QString::fromStdString(info.openCvVersion), QString(qVersion()));
    auto* box =
        new QMessageBox(QMessageBox::Information, "About Fovea", text, QMessageBox::Ok, parent);
    box->setObjectName("aboutDialog");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextFormat(Qt::RichText);
    box->open();
}

}  // namespace fovea::ui
