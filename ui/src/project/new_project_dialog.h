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

    QLineEdit* m_images;
    QLineEdit* m_project;
    QLabel* m_note;
    QPushButton* m_okButton = nullptr;
    bool m_projectEdited = false;  // stop following the image folder once the user chose
};

}  // namespace fovea::ui
