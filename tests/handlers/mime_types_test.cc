// The params handler's extension -> media type table and its reading of file extensions.
#include "handlers/mime_types.h"

#include <gtest/gtest.h>

namespace s3upload::handlers::internal {
namespace {

TEST(MediaTypeForExtensionTest, KnownExtensionsInAnyCase) {
  EXPECT_EQ(MediaTypeForExtension("jpg"), "image/jpeg");
  EXPECT_EQ(MediaTypeForExtension("JPEG"), "image/jpeg");
  EXPECT_EQ(MediaTypeForExtension("Png"), "image/png");
  EXPECT_EQ(MediaTypeForExtension("pdf"), "application/pdf");
  EXPECT_EQ(MediaTypeForExtension("txt"), "text/plain");
  EXPECT_EQ(MediaTypeForExtension("svg"), "image/svg+xml");
  EXPECT_EQ(MediaTypeForExtension("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(MediaTypeForExtension("7z"), "application/x-7z-compressed");
  EXPECT_EQ(MediaTypeForExtension("zip"), "application/zip");
}

TEST(MediaTypeForExtensionTest, UnknownExtensionsHaveNone) {
  for (const char* extension : {"", "exe", "jpgx", "jp", "x", "tar.gz", ".jpg", "jpg ", "zzz"}) {
    EXPECT_EQ(MediaTypeForExtension(extension), std::nullopt) << extension;
  }
}

TEST(FileExtensionTest, LastDotOfTheLastSegmentLowerCased) {
  EXPECT_EQ(FileExtension("photo.JPG"), "jpg");
  EXPECT_EQ(FileExtension("archive.tar.gz"), "gz");
  EXPECT_EQ(FileExtension("my photo (1).jpeg"), "jpeg");
  EXPECT_EQ(FileExtension("C:\\fakepath\\scan.PDF"), "pdf");
  EXPECT_EQ(FileExtension("../../etc/passwd"), "");
  EXPECT_EQ(FileExtension("dir.d/README"), "");
  EXPECT_EQ(FileExtension(".profile"), "");
  EXPECT_EQ(FileExtension("trailing."), "");
  EXPECT_EQ(FileExtension("noextension"), "");
  EXPECT_EQ(FileExtension(""), "");
  EXPECT_EQ(FileExtension("résumé.Pdf"), "pdf");
  // Whatever follows the dot, to be compared with an allowlist, never used as it is.
  EXPECT_EQ(FileExtension("x.p\"ng"), "p\"ng");
}

}  // namespace
}  // namespace s3upload::handlers::internal
