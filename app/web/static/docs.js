// The API description, rendered by Swagger UI from this origin only (no inline script, so the
// page runs under the same Content-Security-Policy as the map).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
});
