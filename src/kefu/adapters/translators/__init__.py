"""Machine-translation providers behind the Translator port (docs/translation-providers.md).

One module per provider (deepl, google, baidu, libretranslate), the retry and circuit
breaker wrapper (resilience), the settings → adapter registry (registry) and a local
server that speaks all four providers' formats for tests and the demo (sandbox).
"""
