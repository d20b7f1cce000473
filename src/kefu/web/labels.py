"""Display names of the values the pages show (stage, status, marks…), translated per request.

A Python table rather than Jinja macros: macro calls cost more than the page query.
`N_` only marks the strings for extraction (`make i18n`); `gettext` translates them.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:
    return message


LABELS: dict[str, dict[str, str]] = {
    # A store mailbox's last error (domain.mail.MailError), in words (docs/mail.md).
    "mail_error": {
        "auth_failed": N_("The mail server refused the user name or password."),
        "connect_failed": N_("The mail server could not be reached (host, port or network)."),
        "tls_failed": N_("The secure connection failed (certificate or TLS setting)."),
        "timeout": N_("The mail server did not answer in time."),
        "folder_missing": N_("The folder to read does not exist on the mail server."),
        "protocol_error": N_("The mail server answered something unexpected."),
        "no_secret_key": N_("No secret key is set (KEFU_SECRET_KEY): passwords cannot be opened."),
        "send_refused": N_("The mail server refused the sender or the recipient."),
    },
    # A marketplace connection's last error (services/sync.py), in words (docs/channels.md).
    "sync_error": {
        "refused": N_("The platform refused the keys: reconnect the store with new ones."),
        "unavailable": N_("The platform is unavailable; the next sync tries again."),
        "rate_limited": N_("The platform limited the calls (rate limited); the next sync goes on."),
        "secrets": N_("No secret key is set (KEFU_SECRET_KEY): the keys cannot be opened."),
        "records": N_("Some orders, products or parcels from the platform were refused."),
        "reconnect": N_(
            "Reconnect needed: the platform refused the store's token. Connect the store again."
        ),
    },
    # What connecting a store by OAuth did (services/oauth.py RESULTS), in words.
    "oauth_result": {
        "connected": N_("Connected: the platform granted kefu access to the store."),
        "denied": N_("Not connected: the seller did not agree on the platform's page."),
        "platform_error": N_("Not connected: the platform answered with an error."),
        "exchange_failed": N_("Not connected: the platform refused the authorization code."),
        "state_unknown": N_("Not connected: this answer did not start here. Start again."),
        "state_used": N_("Not connected: this answer was used already. Start again."),
        "state_expired": N_("Not connected: the link expired (15 minutes). Start again."),
        "state_other_account": N_("Not connected: another account started this connection."),
    },
    # The keys of an app that connects stores by OAuth (services/oauth.py).
    "app_key": {
        "client_id": N_("App client id"),
        "client_secret": N_("App client secret"),
        "ru_name": N_("RuName (eBay redirect URL name)"),
        "application_id": N_("Application id (Amazon, amzn1.sp.solution…)"),
    },
    # The keys a platform issues (services/sync.py CREDENTIALS).
    "credential": {
        "app_key": N_("App key"),
        "app_secret": N_("App secret"),
        "access_token": N_("Access token"),
        "seller_login_id": N_("Seller login id (optional)"),
        "refresh_token": N_("Refresh token (optional: renews the access token)"),
        "client_id": N_("App client id (optional)"),
        "client_secret": N_("App client secret (optional)"),
        "marketplace_id": N_("Marketplace id (optional, e.g. EBAY_GB)"),
        "seller_username": N_("Seller user name (optional)"),
        "expires_at": N_("Token expires (optional, e.g. 2027-06-30)"),
        # A platform's own wording for a key goes under "<platform>:<key>".
        "amazon:refresh_token": N_("LWA refresh token (from the app's authorization)"),
        "amazon:client_id": N_("LWA client id of the app"),
        "amazon:client_secret": N_("LWA client secret of the app"),
        "amazon:marketplace_id": N_("Marketplace id (optional, e.g. ATVPDKIKX0DER)"),
        "selling_partner_id": N_("Selling partner id (optional)"),
        "region": N_("SP-API region (optional: na, eu or fe)"),
    },
    "mail_security": {
        "tls": N_("TLS (IMAPS 993 / SMTPS 465)"),
        "starttls": N_("STARTTLS (143 / 587)"),
        "plain": N_("None (this machine only)"),
    },
    "intent": {
        "product_stock": N_("Stock"),
        "product_price": N_("Price"),
        "product_size": N_("Size and fit"),
        "product_detail": N_("Product details"),
        "wholesale_sample": N_("Wholesale or sample"),
        "shipping_method": N_("Shipping method"),
        "shipping_time": N_("Shipping time"),
        "order_tracking": N_("Order tracking"),
        "not_received": N_("Not received"),
        "customs_duty": N_("Customs and duties"),
        "payment": N_("Payment"),
        "cancel_order": N_("Cancel order"),
        "change_order": N_("Change order"),
        "refund": N_("Refund"),
        "return_exchange": N_("Return or exchange"),
        "damaged_defective": N_("Damaged or defective"),
        "wrong_item": N_("Wrong or missing item"),
        "usage_help": N_("How to use"),
        "coupon_discount": N_("Coupon or discount"),
        "review_feedback": N_("Review and feedback"),
        "complaint": N_("Complaint"),
        "greeting_thanks": N_("Greeting or thanks"),
        "account": N_("Account"),
        "other": N_("Other / unclear"),
    },
    # Finer intents under four of the 24 (domain/intents.SUB_INTENTS), shown after the intent.
    "sub_intent": {
        "short_shipment": N_("Short shipment"),
        "not_as_described": N_("Not as described"),
        "low_declaration": N_("Low-declaration request"),
        "customs_hold": N_("Held in customs"),
        "invoice": N_("Invoice request"),
        "samples": N_("Samples"),
    },
    "intent_group": {
        "product": N_("Product"),
        "logistics": N_("Logistics"),
        "customs": N_("Customs"),
        "payment": N_("Payment"),
        "order": N_("Order"),
        "after_sale": N_("After-sale"),
        "relationship": N_("Relationship"),
        "other": N_("Other"),
    },
    "policy": {
        "empty": N_("The reply is empty"),
        "unfilled_placeholder": N_("Unfilled placeholder"),
        "email_address": N_("E-mail address (contact off the platform)"),
        "phone_number": N_("Phone number (contact off the platform)"),
        "external_link": N_("Link outside the platform"),
        "off_platform_contact": N_("Messenger or contact off the platform"),
        "too_many_links": N_("Too many links"),
        "html_markup": N_("HTML markup"),
        "review_request": N_("Review manipulation"),
        "review_request_limit": N_("A second review request for this order"),
        "customs_fraud": N_("False customs declaration"),
        "shipping_update": N_("Shipping update the platform sends itself"),
        "proactive_window": N_("Too long after the order to write first"),
        "contact_window": N_("Too long after the order to write first"),
        "out_of_office": N_("Out-of-office wording"),
        "language_mismatch": N_("Not in the buyer's language"),
        "text_too_long": N_("Longer than the platform accepts"),
        "attachment_refused": N_("An attachment the platform does not accept"),
    },
    "mood": {
        "upset": N_("Upset"),
        "urgent": N_("Urgent"),
        "threat_dispute": N_("Threatens a dispute"),
        "threat_chargeback": N_("Threatens a chargeback"),
        "threat_review": N_("Threatens a bad review"),
        "threat": N_("Threatening"),
    },
    "metric": {
        "buyers_served": N_("Buyers served"),
        "buyers_answered": N_("Buyers answered"),
        "messages_received": N_("Messages received"),
        "messages_answered": N_("Messages answered"),
        "answered_24h": N_("Answered within 24 h"),
        "reply_rate_24h": N_("24 h reply rate"),
        "inquiry_conversion": N_("Inquiry conversion"),
        "guided_gmv_usd": N_("Guided GMV (USD)"),
        "daily_inquiry_conversion": N_("Inquiry conversion, per day"),
        "daily_guided_gmv_usd": N_("Guided GMV, per day (USD)"),
        "automatic_replies": N_("Automatic replies"),
        "undelivered_replies": N_("Replies not delivered"),
        "automatic_share": N_("Share of automatic replies"),
        "response_p50_hours": N_("First response, median (h)"),
        "response_p90_hours": N_("First response, 90th percentile (h)"),
        "response_p50_working_hours": N_("First response, median (working h)"),
        "response_p90_working_hours": N_("First response, 90th percentile (working h)"),
        "resolution_p50_hours": N_("Resolution, median (h)"),
        "resolution_p90_hours": N_("Resolution, 90th percentile (h)"),
        "satisfaction_ratings": N_("Satisfaction ratings"),
        "satisfaction_mean": N_("Satisfaction, mean score (1-5)"),
        "satisfied_share": N_("Satisfied buyers (4-5)"),
        "open_disputes": N_("Open disputes"),
        "disputes_opened": N_("Disputes opened"),
        "orders_placed": N_("Orders placed"),
        "dispute_rate": N_("Dispute rate"),
    },
    "metric_definition": {
        "buyers_served": N_("Buyers who sent a message in the range, counted once per day."),
        "buyers_answered": N_("Of those, buyers the shop answered within the following 2 days."),
        "messages_received": N_("Buyer messages in the range."),
        "messages_answered": N_("Of those, messages a person answered within 48 hours."),
        "answered_24h": N_("Buyer messages a person answered within 24 hours."),
        "reply_rate_24h": N_("Answered within 24 h divided by messages received."),
        "inquiry_conversion": N_(
            "Buyers who paid within 48 h of their first inquiry in the range / buyers whose "
            "first inquiry in the range was answered within 48 h."
        ),
        "daily_inquiry_conversion": N_(
            "The same with each buyer's first inquiry of each day, the days added up."
        ),
        "daily_guided_gmv_usd": N_(
            "USD paid within 48 h of each day's first inquiry of a buyer answered within 48 h, "
            "the days added up: a payment after inquiries on two days counts twice."
        ),
        "undelivered_replies": N_(
            "Replies people wrote in the range that the platform has not confirmed "
            "(waiting to be sent or failed); they answer nothing."
        ),
        "guided_gmv_usd": N_(
            "USD paid within 48 h of a buyer's first inquiry, where the shop answered within 48 h."
        ),
        "automatic_replies": N_("Welcome, keyword and busy replies; they do not count as answers."),
        "automatic_share": N_(
            "Automatic replies / (automatic replies + buyer waits a person ended) in the range."
        ),
        "response_p50_hours": N_(
            "From the first unanswered buyer message to a person's reply, wall clock."
        ),
        "response_p90_hours": N_(
            "From the first unanswered buyer message to a person's reply, wall clock."
        ),
        "response_p50_working_hours": N_(
            "The same in the store's working hours (its opening hours, workdays and holidays)."
        ),
        "response_p90_working_hours": N_(
            "The same in the store's working hours (its opening hours, workdays and holidays)."
        ),
        "resolution_p50_hours": N_(
            "From a conversation's first message to its closing, for those closed in the range."
        ),
        "resolution_p90_hours": N_(
            "From a conversation's first message to its closing, for those closed in the range."
        ),
        "satisfaction_ratings": N_(
            "Ratings buyers gave in the range (from the marketplace or a survey), 1 to 5."
        ),
        "satisfaction_mean": N_("The mean score of those ratings."),
        "satisfied_share": N_("Ratings of 4 or 5 divided by all ratings."),
        "open_disputes": N_(
            "Dispute cases, and eBay cases escalated to eBay, still open when the range ends."
        ),
        "disputes_opened": N_(
            "Dispute cases opened, and eBay cases escalated to eBay, on the days of the range."
        ),
        "orders_placed": N_("Orders placed on the days of the range."),
        "dispute_rate": N_(
            "Disputes opened / orders placed in the range, per store (kefu's reading; "
            "AliExpress's own figure counts orders that ended in the last 30 days)."
        ),
    },
    "backlog": {
        "under_1h": N_("Under 1 hour"),
        "1h_to_6h": N_("1 to 6 hours"),
        "6h_to_24h": N_("6 to 24 hours"),
        "24h_to_48h": N_("24 to 48 hours"),
        "over_48h": N_("Over 48 hours"),
    },
    "entity": {
        "order_number": N_("Order number"),
        "tracking_number": N_("Tracking number"),
        "size": N_("Size"),
        "quantity": N_("Quantity"),
        "amount": N_("Amount"),
        "date": N_("Date"),
    },
    "stage": {"pre_sale": N_("Pre-sale"), "in_sale": N_("In-sale"), "after_sale": N_("After-sale")},
    "status": {
        "open": N_("Open"),
        "waiting": N_("Waiting on buyer"),
        "closed": N_("Closed"),
        "unread": N_("Unread"),
    },
    "mark": {
        "yellow": N_("Yellow"),
        "blue": N_("Blue"),
        "green": N_("Green"),
        "red": N_("Red"),
        "purple": N_("Purple"),
    },
    "platform": {"aliexpress": "AliExpress", "amazon": "Amazon", "ebay": "eBay", "wish": "Wish"},
    "reason": {
        "note": N_("Order note"),
        "logistics": N_("Logistics problem"),
        "wholesale": N_("Wholesale"),
        "threat": N_("Threatening buyer"),
        "upset": N_("Upset buyer"),
    },
    "order_status": {
        "received": N_("Received"),
        "confirmed": N_("Confirmed"),
        "paid": N_("Paid"),
        "allocated": N_("Allocated"),
        "picked": N_("Picked"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "completed": N_("Completed"),
        "cancelled": N_("Cancelled"),
    },
    "tracking": {
        "info_received": N_("Info received"),
        "in_transit": N_("In transit"),
        "customs": N_("In customs"),
        "customs_hold": N_("Customs needs information / held"),
        "customs_cleared": N_("Cleared customs"),
        "arrived_destination": N_("Arrived in destination country"),
        "out_for_delivery": N_("Out for delivery"),
        "awaiting_pickup": N_("Waiting at the post office"),
        "failed_delivery": N_("Delivery failed"),
        "exception": N_("Carrier exception"),
        "returning": N_("Returning to sender"),
        "returned": N_("Returned to sender"),
        "lost": N_("Lost"),
        "expired": N_("Tracking expired"),
        "delivered": N_("Delivered"),
    },
    # Kinds of customs rule (docs/customs.md).
    "customs_rule": {
        "vat_at_checkout": N_("Import VAT paid at checkout"),
        "no_de_minimis": N_("No duty-free value"),
    },
    "role": {
        "owner": N_("Owner (main account)"),
        "lead": N_("Lead"),
        "pre_sale": N_("Pre-sale agent"),
        "after_sale": N_("After-sale agent"),
        "analyst": N_("Analyst (reports only)"),
    },
    "permission": {
        "view_inbox": N_("Read the inbox"),
        "reply": N_("Reply to buyers"),
        "mark": N_("Set colour marks"),
        "assign": N_("Assign conversations"),
        "close": N_("Close and reopen"),
        "correct_intent": N_("Correct intents"),
        "import_messages": N_("Import messages"),
        "import_data": N_("Import products, orders and parcels"),
        "view_reports": N_("Read reports"),
        "manage_templates": N_("Reply settings"),
        "manage_routing": N_("Routing and shifts"),
        "manage_accounts": N_("Manage the team"),
        "view_audit": N_("Read the audit log"),
        "manage_tokens": N_("API tokens"),
        "override_policy": N_("Send past the policy check"),
        "collect_payments": N_("Collect payments"),
        "withdraw_money": N_("Withdraw money"),
        "manage_shop": N_("Manage the shop"),
        "enrol_marketing": N_("Enrol in marketing campaigns"),
        "record_tracking": N_("Push tracking events"),
        "review_tracking": N_("Review tracking texts and orphan events"),
        "manage_model": N_("Retrain and switch the intent model"),
    },
    "content_kind": {"text": N_("Text"), "image": N_("Image"), "coupon": N_("Coupon")},
    "buyer_kind": {
        "new": N_("New buyer"),
        "returning": N_("Returning buyer"),
        "gold": N_("Gold buyer"),
    },
    "origin": {
        "order_list": N_("Order list"),
        "order_detail": N_("Order detail"),
        "dispute": N_("Dispute"),
        "product_page": N_("Product page"),
        "store_page": N_("Store page"),
        "message_center": N_("Message center"),
        "checkout": N_("Checkout"),
        "customer_issue": N_("Customer issue"),
        "email": N_("E-mail"),
        "phone": N_("Phone"),
    },
    # Each domain error code in words (domain/errors.py and the services' DomainErrors): what
    # a page says when the message itself has no translation. `{name}` fills from its params.
    "error": {
        "domain_error": N_("This cannot be done."),
        "not_found": N_("Not found: it does not exist, or it is not yours to see."),
        "invalid_input": N_("Not accepted: please check what was typed."),
        "invalid_transition": N_("This cannot be done in the current state."),
        "invalid_row": N_("Not saved: please correct the marked fields."),
        "not_signed_in": N_("Please sign in first."),
        "forbidden": N_("Not allowed: your role may not do this."),
        "sign_in_failed": N_("Wrong user name or password."),
        "throttled": N_("Too many wrong passwords; try again in {retry} s."),
        "no_secret_key": N_("No secret key is set (KEFU_SECRET_KEY): secrets cannot be opened."),
        "appeal_refused": N_("The platform did not take the appeal."),
        "marketplace_refused": N_("The marketplace refused the request; try again later."),
        "conflict": N_("This conflicts with something that exists already."),
        "policy_blocked": N_("The reply breaks a platform rule and was not sent."),
        "oauth_refused": N_("The store could not be connected."),
        "translation_refused": N_("The translation was refused."),
        "words_disagree": N_("The term base disagrees with this wording."),
        "template_missing_values": N_("The template needs values this conversation lacks."),
        "template_invalid": N_("The template is not valid."),
        "busy": N_("Someone else changed the same data at the same moment; try again."),
        "handover_refused": N_("This conversation cannot be passed to that teammate."),
        "mention_refused": N_("A person mentioned in the note cannot see this conversation."),
        "search_query_too_long": N_("The search is too long: at most 200 characters."),
        "reply_collision": N_("A teammate already answered this message: read it before sending."),
        "case_step_refused": N_("This case cannot take that step now; allowed now: {allowed}."),
        "case_invalid": N_("The case data is not right; please check the marked field."),
        "case_conflict": N_("Someone else changed this case meanwhile: read it again."),
        "case_action_not_allowed": N_(
            "Your limits do not allow this step ({action}, {limit}); ask the owner."
        ),
        # evidence images (domain/evidence.py)
        "evidence_empty": N_("{filename}: the file is empty."),
        "evidence_not_image": N_(
            "{filename}: not a JPEG, PNG or WebP image (this file is: {found})."
        ),
        "evidence_too_large": N_(
            "{filename}: {size} bytes, more than the platform takes ({limit_mb} MB)."
        ),
        "evidence_type_refused": N_(
            "{filename}: the platform does not take {found} images, only {accepted}."
        ),
        # Model versions (docs/triage.md "Model versions").
        "retrain_running": N_("A retrain is already running; wait for it to finish."),
        "corpus_incomplete": N_(
            "The training corpus is incomplete (see its MANIFEST.json); reinstall kefu."
        ),
    },
    # The HTTP statuses a person may meet as a page (web/errors.py).
    "http_status": {
        "400": N_("The request was not understood."),
        "401": N_("Please sign in first."),
        "403": N_("Not allowed: your role may not open this page."),
        "404": N_("This page does not exist."),
        "405": N_("This address does not take this kind of request."),
        "409": N_("This cannot be done in the current state."),
        "413": N_("What was sent is too large."),
        "422": N_("Not accepted: please check what was typed."),
        "429": N_("Too many requests; wait a moment."),
        "500": N_("Something went wrong on the server."),
        "502": N_("The marketplace did not answer as expected."),
        "503": N_("Busy for a moment; try again."),
    },
    # Pydantic's kinds of invalid input, as a form shows them beside the field.
    "validation": {
        "missing": N_("is required"),
        "string_too_long": N_("is longer than {max_length} characters"),
        "string_too_short": N_("is shorter than {min_length} characters"),
        "too_long": N_("has more than {max_length} items"),
        "too_short": N_("has fewer than {min_length} items"),
        "int_parsing": N_("is not a whole number"),
        "int_from_float": N_("is not a whole number"),
        "float_parsing": N_("is not a number"),
        "decimal_parsing": N_("is not a number"),
        "bool_parsing": N_("is not yes or no"),
        "date_parsing": N_("is not a date (YYYY-MM-DD)"),
        "date_from_datetime_parsing": N_("is not a date (YYYY-MM-DD)"),
        "datetime_parsing": N_("is not a date and time"),
        "datetime_from_date_parsing": N_("is not a date and time"),
        "greater_than": N_("must be more than {gt}"),
        "greater_than_equal": N_("must be at least {ge}"),
        "less_than": N_("must be less than {lt}"),
        "less_than_equal": N_("must be at most {le}"),
        "literal_error": N_("is not one of the choices"),
        "enum": N_("is not one of the choices"),
        "string_pattern_mismatch": N_("is not in the expected form"),
        "json_invalid": N_("is not valid JSON"),
        "value_error": N_("is not accepted"),
    },
    # Field names a form problem names, in words.
    "field": {
        "form": N_("Form"),
        "username": N_("User name"),
        "password": N_("Password"),
        "current": N_("Current password"),
        "new": N_("New password"),
        "repeat": N_("Repeated password"),
        "display_name": N_("Name shown to the team"),
        "role": N_("Role"),
        "timezone": N_("Time zone"),
        "stores": N_("Stores"),
        "store": N_("Store"),
        "languages": N_("Languages read"),
        "shift": N_("Shift"),
        "scopes": N_("Permissions"),
        "name": N_("Name"),
        "text": N_("Text"),
        "content": N_("Content"),
        "keyword": N_("Keyword"),
        "platform": N_("Platform"),
        "site": N_("Site"),
        "page": N_("Page"),
        "q": N_("Search"),
        "from": N_("From"),
        "to": N_("To"),
        "file": N_("File"),
    },
    # Each audit action as a sentence: {who} acted on {target} (services: every code that
    # is written has a line here; tests/unit/test_i18n_coverage.py greps for them).
    "audit_action": {
        "account_create": N_("{who} created the account {target}"),
        "account_update": N_("{who} changed the account {target}"),
        "amazon.message": N_("{who} sent an Amazon order message ({target})"),
        "appeal_to_support": N_("{who} appealed {target} to the platform's support"),
        "assign": N_("{who} assigned {target}"),
        "auto_replies": N_("{who} changed the automatic replies of {target}"),
        "auto_reply_blocked": N_(
            "An automatic reply to {target} was held back by the policy check"
        ),
        "close": N_("{who} closed {target}"),
        "correct_intent": N_("{who} corrected the intent of {target}"),
        "mailbox_remove": N_("{who} removed the mailbox of {target}"),
        "mailbox_set": N_("{who} set the mailbox of {target}"),
        "marketplace_state": N_("The marketplace changed {target}"),
        "note": N_("{who} added an internal note to {target}"),
        "case_open": N_("{who} opened the case {target}"),
        "case_step": N_("{who} moved the case {target}"),
        "case_evidence": N_("{who} added a photo to the case {target}"),
        "no_response_needed": N_("{who} marked {target} as needing no reply"),
        "password_change": N_("{who} changed their password"),
        "password_reset": N_("{who} set a new password for {target}"),
        "policy_override": N_("{who} sent a reply in {target} past the policy check"),
        "products_change": N_("{who} changed the products of {target}"),
        "reopen": N_("{who} reopened {target}"),
        "reply": N_("{who} replied in {target}"),
        "route": N_("Routing gave {target} to an agent"),
        "save_termbase": N_("{who} saved the term base of {target}"),
        "save_translation_settings": N_("{who} changed the translation settings"),
        "set_mark": N_("{who} changed the colour mark of {target}"),
        "set_up_owner": N_("{who} set up kefu (the main account)"),
        "shift_change": N_("{who} changed the shift of {target}"),
        "sign_in": N_("{who} signed in"),
        "sign_in_failed": N_("A sign-in as {target} failed"),
        "sign_out": N_("{who} signed out"),
        "sign_out_everywhere": N_("{who} signed out everywhere"),
        "store_archive": N_("{who} archived the store {target}"),
        "store_create": N_("{who} added the store {target}"),
        "store_facts": N_("{who} changed the store facts of {target}"),
        "store_restore": N_("{who} restored the store {target}"),
        "store_update": N_("{who} changed the store {target}"),
        "template_wording": N_("{who} changed a reply template of {target}"),
        "customs_facts": N_("{who} changed the customs facts of {target}"),
        "token_create": N_("{who} created {target}"),
        "token_revoke": N_("{who} revoked {target}"),
        # satisfaction survey (docs/surveys.md)
        "survey_sent": N_("A satisfaction survey was sent in {target}"),
        "survey_blocked": N_(
            "The satisfaction survey for {target} was held back by the policy check"
        ),
    },
    # What an audit row is about, with its number: "conversation #123".
    "audit_entity": {
        "conversation": N_("conversation #{id}"),
        "message": N_("message #{id}"),
        "account": N_("account #{id}"),
        "store": N_("store #{id}"),
        "api_token": N_("API token #{id}"),
        "organisation": N_("the organisation"),
        "case": N_("case #{id}"),
    },
    # The fields an audit row's before and after name.
    "audit_field": {
        "status": N_("Status"),
        "colour_mark": N_("Colour mark"),
        "assignee_id": N_("Assigned to"),
        "unread": N_("Unread"),
        "intent": N_("Intent"),
        "sub_intent": N_("Sub-intent"),
        "display_name": N_("Name shown to the team"),
        "username": N_("User name"),
        "role": N_("Role"),
        "active": N_("Active"),
        "timezone": N_("Time zone"),
        "shift": N_("Shift"),
        "languages": N_("Languages read"),
        "store_ids": N_("Stores"),
        "given": N_("Products given"),
        "taken_away": N_("Products taken away"),
        "scopes": N_("Permissions"),
        "name": N_("Name"),
        "from": N_("From address"),
        "sessions": N_("Sessions ended"),
        "ended": N_("Other sessions ended"),
        "archived_at": N_("Archived"),
        "currency": N_("Currency"),
        "holiday_country": N_("Holidays of"),
        "site": N_("Site"),
        "address": N_("Address"),
        "enabled": N_("Enabled"),
        "folder": N_("Folder"),
        "imap_host": N_("IMAP server"),
        "imap_user": N_("IMAP user"),
        "smtp_host": N_("SMTP server"),
        "smtp_user": N_("SMTP user"),
        "amazon_relay": N_("Amazon relay"),
        "reason": N_("Reason"),
        "rules": N_("Rules"),
        "template": N_("Template"),
        "language": N_("Language"),
        "text": N_("Text"),
        "kind": N_("Kind"),
        "terms": N_("Terms"),
        "agent_languages": N_("Agent languages"),
        "budgets": N_("Budgets"),
        "messages": N_("Messages"),
        "ticket": N_("Ticket"),
        "ticket_state": N_("Ticket state"),
        "order": N_("Order"),
        "action": N_("Action"),
        "state": N_("State"),
        "refund_cents": N_("Refund (minor units)"),
        "tracking_number": N_("Tracking number"),
        "carrier": N_("Carrier"),
        "conversation": N_("Conversation"),
    },
    # After-sale cases (kefu.domain.cases.model; docs/cases.md).
    "case_kind": {
        "return": N_("Return"),
        "exchange": N_("Exchange"),
        "repair": N_("Repair"),
        "refund": N_("Refund"),
        "reshipment": N_("Reshipment"),
        "cancellation": N_("Cancellation"),
        "dispute": N_("Dispute"),
        "not_received": N_("Item not received"),
        "complaint": N_("Complaint"),
    },
    "case_state": {
        "open": N_("Open, waiting for the shop"),
        "approved": N_("Approved"),
        "declined": N_("Declined"),
        "timed_out": N_("Timed out (counted as declined)"),
        "return_shipped": N_("Buyer shipped it back"),
        "return_received": N_("Return received"),
        "inspected": N_("Inspected"),
        "shipped": N_("New item shipped"),
        "delivered": N_("Delivered to the buyer"),
        "proposed": N_("Shop's solution proposed"),
        "agreed": N_("Solution agreed"),
        "escalated": N_("The platform steps in"),
        "refunded": N_("Refunded"),
        "classified": N_("Classified"),
        "handling": N_("Being handled"),
        "first_feedback": N_("First feedback given"),
        "closed": N_("Closed"),
        "cancelled": N_("Withdrawn"),
    },
    "case_action": {
        "open": N_("Opened"),
        "approve": N_("Approve"),
        "decline": N_("Decline"),
        "time_out": N_("Timed out"),
        "return_shipped": N_("Buyer shipped it back"),
        "receive_return": N_("Return received"),
        "inspect": N_("Inspected"),
        "ship": N_("Ship the new item"),
        "confirm_delivery": N_("Buyer received it"),
        "propose": N_("Propose the shop's solution"),
        "agree": N_("Agree"),
        "escalate": N_("Escalate to the platform"),
        "refund": N_("Refund"),
        "classify": N_("Classify"),
        "start_handling": N_("Start handling"),
        "first_feedback": N_("Give first feedback"),
        "final_feedback": N_("Give final feedback"),
        "close": N_("Close"),
        "withdraw": N_("Withdraw"),
        "platform_update": N_("Updated on the platform"),
    },
    "case_reason": {
        "damaged": N_("Arrived damaged"),
        "quality": N_("Quality problem"),
        "not_as_described": N_("Not as described"),
        "wrong_item": N_("Wrong item"),
        "missing_parts": N_("Missing parts / short shipment"),
        "not_received": N_("Not received"),
        "late_delivery": N_("Late delivery"),
        "size_fit": N_("Size or fit"),
        "changed_mind": N_("Changed mind"),
        "out_of_stock": N_("Out of stock"),
        "price": N_("Price"),
        "source_of_goods": N_("Source of goods"),
        "service": N_("Service"),
        "other": N_("Other"),
    },
    "solution": {
        "full_refund": N_("Full refund"),
        "partial_refund": N_("Partial refund"),
        "reship": N_("Reship"),
        "return": N_("Return and refund"),
        "exchange": N_("Exchange"),
        "repair": N_("Repair"),
        "coupon": N_("Coupon"),
    },
    # The work a case's colour mark stands for (kefu.domain.cases.marks.reminder).
    "case_reminder": {
        "send_new_tracking": N_("Send the buyer the new tracking number"),
        "ask_payment_after_arrival": N_(
            "The parcel arrived after the refund: ask the buyer to pay for it"
        ),
    },
    "push_state": {
        "local": N_("Only in kefu"),
        "pending": N_("Sending to the platform"),
        "sent": N_("Sent to the platform"),
        "failed": N_("Not sent to the platform"),
    },
    # Each deadline rule (kefu.domain.cases.deadlines.RULES) in a few words.
    "deadline_rule": {
        "ebay.cancellation.answer": N_(
            "eBay: accept or decline the cancellation within 3 business days; "
            "no answer = timed out, counted as declined"
        ),
        "ebay.cancellation.refund": N_(
            "eBay: refund an accepted, paid cancellation within 10 business days"
        ),
        "ebay.return.answer": N_(
            "eBay: answer the return request within 3 business days, "
            "or the buyer may ask eBay to step in"
        ),
        "ebay.return.refund": N_(
            "eBay: refund the returned item within 2 business days of its arrival"
        ),
        "ebay.inquiry.answer": N_(
            "eBay: answer the item-not-received request within 3 business days"
        ),
        "ebay.no_activity.close": N_(
            "eBay: a request with no activity closes after 21 business days"
        ),
        "aliexpress.dispute.answer": N_(
            "AliExpress: respond to the dispute within 5 days "
            "(agree, or propose the shop's solution)"
        ),
        "aliexpress.dispute.platform": N_(
            "AliExpress: the platform steps in 7 days after the dispute opened"
        ),
        "amazon.return.answer": N_(
            "Amazon: answer the return request within 48 hours, "
            "or the buyer may file an A-to-z claim"
        ),
        "amazon.return.refund": N_("Amazon: refund the returned item within 2 business days"),
        "wish.ticket.answer": N_("Wish: answer the ticket within a few business days (kefu: 3)"),
        "platform.given": N_("the date the platform gave"),
        "shop.target": N_("the shop's own target, in business hours"),
    },
    "due_source": {
        "platform": N_("given by the platform"),
        "computed": N_("computed by kefu"),
    },
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    """`label(kind, value)` for templates; unknown values are shown as they are."""

    def label(kind: str, value: str | None) -> str:
        if value is None:
            return "—"
        text = LABELS[kind].get(value)
        if text is None and ":" in value:  # "<platform>:<key>" falls back to the key's
            value = value.split(":", 1)[1]
            text = LABELS[kind].get(value)
        return gettext(text) if text else value

    return label


# --- deadlines board, case limits (docs/deadlines.md) ----------------------------------------
LABELS["audit_action"]["set_case_limits"] = N_(
    "{who} changed the limits on risky after-sale actions of {target}"
)
LABELS["audit_field"].update(
    {
        "max_refund_usd_cents": N_("Largest refund alone (US cents)"),
        "may_decline_return": N_("May decline returns"),
        "may_refuse_dispute": N_("May refuse disputes"),
    }
)


# --- tracking providers (docs/tracking.md "Providers") ---
LABELS["tracking_provider_health"] = {
    "ok": N_("Tracking data up to date"),
    "stale": N_("Tracking data stale"),
    "never": N_("Tracking provider not run yet"),
}
# --- logistics board (docs/logistics.md) --------------------------------------------------------
LABELS["anomaly"] = {
    "no_update": N_("No tracking update"),
    "awaiting_pickup": N_("Waiting at the post office"),
    "customs": N_("Customs: information required or held"),
    "failed_delivery": N_("Delivery failed"),
    "returning": N_("Returning to sender"),
    "lost": N_("Lost"),
    "promise_at_risk": N_("Promised delivery at risk"),
    "promise_passed": N_("Promised delivery passed"),
    "delivered_not_received": N_("Delivered, buyer says not received"),
}
LABELS["act_outcome"] = {
    "sent": N_("Message sent"),
    "task": N_("Task created"),
    "already": N_("Already done: nothing sent"),
    "refused": N_("Not sent"),
}
LABELS["audit_action"].update(
    {
        "logistics_settings": N_("{who} changed the logistics board thresholds of {target}"),
        "parcel_task": N_("{who} created a task for a parcel"),
        "task_done": N_("{who} marked a task done"),
    }
)
LABELS["error"]["not_an_anomaly"] = N_("The parcel no longer shows this anomaly: reload the board.")
# Model versions (docs/triage.md "Model versions").
LABELS["audit_action"].update(
    {
        "model_activate": N_("{who} switched {target} to another version"),
        "model_retrain": N_("{who} retrained {target}"),
        "model_schedule": N_("{who} changed the retrain schedule of {target}"),
    }
)
LABELS["audit_entity"]["intent_model"] = N_("the intent model")
