/*
 * Sign-in and sign-up pages: while an email address is typed, point out the work account
 * (identity provider) configured for its domain. Each provider's form carries
 * data-sso-domains="nhs.net example.nhs.uk"; a sub-domain matches too. Without
 * this script every "Sign in with…" button is still there; nothing is hidden.
 */
(function () {
  "use strict";

  var providers = Array.prototype.slice.call(document.querySelectorAll("form[data-sso-domains]"));
  var email = document.querySelector("input[name='login'], input[type='email'][name='email']");
  if (!providers.length || !email) {
    return;
  }

  function domainOf(address) {
    var at = address.lastIndexOf("@");
    return at < 0 ? "" : address.slice(at + 1).trim().toLowerCase();
  }

  function matches(domain, configured) {
    return configured.some(function (candidate) {
      return candidate && (domain === candidate || domain.endsWith("." + candidate));
    });
  }

  function suggest() {
    var domain = domainOf(email.value);
    providers.forEach(function (form) {
      var configured = form.getAttribute("data-sso-domains").split(/\s+/);
      var on = domain !== "" && matches(domain, configured);
      form.classList.toggle("portal-sso__provider--suggested", on);
      form.querySelector("[data-sso-suggestion]").hidden = !on;
    });
  }

  email.addEventListener("input", suggest);
  suggest();
})();
