// kefu's start-up for the vendored Swagger UI at /docs (not part of swagger-ui-dist).
// It replaces the inline <script> of FastAPI's get_swagger_ui_html, which the
// Content-Security-Policy would block: the page names the schema and the OAuth2
// redirect in data attributes and this file, served from 'self', reads them.
// The settings are FastAPI's swagger_ui_default_parameters, plus validatorUrl: null
// (no badge fetched from validator.swagger.io).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    oauth2RedirectUrl: window.location.origin + root.dataset.oauth2RedirectUrl,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
