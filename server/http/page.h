// The clinician feed page served at GET /: self-contained HTML + JS, no external assets.
#pragma once

#include <string_view>

namespace kotona::server::http {

// Loads /api/v1/alerts on start, then follows /api/v1/stream (EventSource reconnects with
// Last-Event-ID by itself). Text is inserted with textContent, never as HTML.
std::string_view feed_page_html();

}  // namespace kotona::server::http
