#include "project/new_project_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "fovea/core/project/project_store.h"

namespace fovea::ui {

namespace {

QWidget* withBrowseButton(QLineEdit* edit, QWidget* parent, const QString& caption) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QPushButton("Browse…", row);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, parent, caption] {
        const QString start = edit->text().isEmpty() ? QDir::homePath() : edit->text();
        const QString folder = QFileDialog::getExistingDirectory(parent, caption, start);
        if (!folder.isEmpty()) {
            edit->setText(folder);
            Q_EMIT edit->textEdited(folder);
        }
    });
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}

}  // namespace

NewProjectDialog::NewProjectDialog(QWidget* parent) : QDialog(parent) {
    setObjectName("newProjectDialog");
    setWindowTitle("New Project");
    m_images = new QLineEdit(this);
    m_images->setObjectName("imagesFolderEdit");
    m_images->setPlaceholderText("A folder of images; sub-folders named by class become labels");
    m_project = new QLineEdit(this);
    m_project->setObjectName("projectFolderEdit");
    // Empty while the project goes with the images: the placeholder says where. A copy of the
    // images path in the field invited typing a name onto its end (".../photosmy-project").
    m_project->setPlaceholderText("In the images folder; or choose where the project is kept");
    m_note = new QLabel(this);
    m_note->setObjectName("newProjectNote");
    m_note->setWordWrap(true);
    // Two lines' room whether it holds advice or a problem: the fields never get squeezed.
    m_note->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_note->setMinimumHeight(2 * m_note->fontMetrics().lineSpacing() + 4);

    auto* form = new QFormLayout;
    form->addRow("Images:", withBrowseButton(m_images, this, "Folder of Images"));
    form->addRow("Project folder:", withBrowseButton(m_project, this, "Project Folder"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText("Create");
    connect(buttons, &QDialogButtonBox::accepted, this, &NewProjectDialog::tryCreate);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_note);
    layout->addWidget(buttons);
    resize(620, sizeHint().height());

    connect(m_images, &QLineEdit::textEdited, this, [this](const QString& folder) {
        m_project->setPlaceholderText(
            folder.trimmed().isEmpty()
                ? QString("In the images folder; or choose where the project is kept")
                : QString("%1 (the images folder)").arg(folder.trimmed()));
        m_showProblems = true;
        updateState();
    });
    connect(m_project, &QLineEdit::textEdited, this, [this] {
        m_showProblems = true;
        updateState();
    });
    m_okButton = buttons->button(QDialogButtonBox::Ok);
    updateState();
}

QString NewProjectDialog::imagesFolder() const { return m_images->text().trimmed(); }
QString NewProjectDialog::projectFolder() const {
    const QString chosen = m_project->text().trimmed();
    return chosen.isEmpty() ? imagesFolder() : chosen;
}

void NewProjectDialog::setImagesFolder(const QString& folder) {
    m_images->setText(folder);
    Q_EMIT m_images->textEdited(folder);
}

void NewProjectDialog::updateState() {
    QString problem;
    const QString images = imagesFolder();
    const QString project = projectFolder();
    if (!images.isEmpty() && !QFileInfo(images).isDir()) {
        problem = QString("%1 is not a folder.").arg(images);
    } else if (project.isEmpty() && images.isEmpty()) {
        // Images first, as the form asks: the project folder follows them.
        problem =
            "Choose a folder of images (the project is kept in it unless you choose another "
            "project folder), or only a project folder to start without images.";
    } else if (core::ProjectStore::exists(project.toStdString())) {
        problem = QString("%1 already holds a project: use File ▸ Open Project.").arg(project);
    }
    const bool shown = !problem.isEmpty() && m_showProblems;
    m_note->setText(shown ? "<font color='#c03020'>" + problem.toHtmlEscaped() + "</font>"
                          : "Images are referenced where they are, never copied or changed.");
    // Create stays pressable until the problem is shown: pressing it is how it gets shown.
    m_okButton->setEnabled(!shown);
    m_problem = problem;
}

void NewProjectDialog::tryCreate() {
    m_showProblems = true;
    updateState();
    if (m_problem.isEmpty()) accept();
}

}  // namespace fovea::ui
