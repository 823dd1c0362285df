/** A real browser for the tests of the service map page: Debian's headless Chromium through its chromedriver. */
package dev.tendril.testing.browser;
