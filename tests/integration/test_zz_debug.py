from tests.integration.test_replies_flow import open_conversation
def test_dbg(kefu):
    conv_id = open_conversation(kefu, "c-stock", product_sku="SKU-DRESS", intent="product_stock")
    with kefu.uow() as uow:
        d = uow.queries.conversation_detail(conv_id, kefu.clock.now())
    print(d.intent, d.buyer.language, d.language, [(p.sku, p.stock) for p in d.products])
    for s in kefu.replies.suggestions(conv_id, uow=kefu.uow(), clock=kefu.clock):
        print(s.key, s.language, s.fell_back, s.text[:60])
    assert 0
