// The built-in extension -> media type table of the params handler: the Content-Type of an upload
// whose request names none (plain forms, and Uppy for files the browser has no type for).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace s3upload::handlers::internal {

// The media type of a file extension (without the dot, any case), or nullopt when the table does
// not know it. The table holds common document, image, audio, video, archive and text types, as
// the IANA registry and the browsers name them (jpg -> image/jpeg, txt -> text/plain, ...).
std::optional<std::string_view> MediaTypeForExtension(std::string_view extension);

// The extension of a file name as browsers and Uppy report it: what follows the last '.' of the
// last path segment ('/' or '\', for names such as "C:\fakepath\a.png"), lower-cased; empty when
// there is none or the name starts with its only dot (".profile").
std::string FileExtension(std::string_view name);

}  // namespace s3upload::handlers::internal
