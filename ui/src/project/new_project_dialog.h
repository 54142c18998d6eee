#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace fovea::ui {

// File ▸ New Project: the folder of images to start from (ImageFolder sub-folders become
// classes; optional) and where the project keeps its database (by default the image folder
// itself, so the project moves with the images; images are referenced, never copied).
class NewProjectDialog : public QDialog {
    Q_OBJECT
  public:
    explicit NewProjectDialog(QWidget* parent = nullptr);

    QString imagesFolder() const;
    QString projectFolder() const;
    void setImagesFolder(const QString& folder);

  private:
    void updateState();
    void tryCreate();

    QLineEdit* m_images;
    QLineEdit* m_project;
    QLabel* m_note;
    QPushButton* m_okButton = nullptr;
    // Problems are shown once the user typed or pressed Create, not over a dialog just opened
    // with its fields empty (issue 21).
    bool m_showProblems = false;
    QString m_problem;  // empty: Create can make the project
};

}  // namespace fovea::ui
