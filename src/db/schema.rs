// @generated automatically by Diesel CLI.

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> BigInt,
        author_id -> BigInt,
        position -> Integer,
        visible_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        number -> Integer,
        user_id -> Nullable<BigInt>,
        saves -> Integer,
        restored_from -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        slug -> Text,
        title -> Text,
        subtitle -> Nullable<Text>,
        excerpt -> Text,
        excerpt_custom -> Bool,
        body -> Text,
        dateline -> Nullable<Text>,
        feature_image_id -> Nullable<BigInt>,
        author_ids -> Text,
        tag_ids -> Text,
        source_ids -> Text,
    }
}

diesel::table! {
    article_sources (article_id, source_id) {
        article_id -> BigInt,
        source_id -> BigInt,
        position -> Integer,
        visible_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
        visible_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        visible_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        feature_image_id -> Nullable<BigInt>,
        comments_enabled -> Bool,
        comment_count -> Integer,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        excerpt_custom -> Bool,
        dateline -> Nullable<Text>,
        title -> Text,
        subtitle -> Nullable<Text>,
        excerpt -> Text,
        body -> Text,
        body_html -> Text,
    }
}

diesel::table! {
    authors (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        bio -> Nullable<Text>,
        email -> Nullable<Text>,
        website -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        avatar_image_id -> Nullable<BigInt>,
        listed_count -> Integer,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        author_name -> Text,
        author_email -> Text,
        body -> Text,
        body_hash -> Text,
        status -> Text,
        user_id -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    correction_amendments (id) {
        id -> BigInt,
        correction_id -> BigInt,
        previous_note -> Text,
        note -> Text,
        reason -> Text,
        amended_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    corrections (id) {
        id -> BigInt,
        article_id -> BigInt,
        kind -> Text,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> Integer,
    }
}

diesel::table! {
    images (id) {
        id -> BigInt,
        sha256 -> Text,
        mime_type -> Text,
        width -> Integer,
        height -> Integer,
        size_bytes -> Integer,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    previews (id) {
        id -> Text,
        article_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> BigInt,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    search_changes (seq) {
        seq -> BigInt,
        article_id -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sitemap_pages (page) {
        page -> BigInt,
        listed -> Integer,
        lastmod -> Timestamp,
    }
}

diesel::table! {
    sitemap_pending (article_id) {
        article_id -> BigInt,
        page -> BigInt,
        visible_at -> Timestamp,
    }
}

diesel::table! {
    slug_history (kind, slug) {
        kind -> Text,
        slug -> Text,
        item_id -> BigInt,
        retired_at -> Timestamp,
    }
}

diesel::table! {
    sources (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        url -> Nullable<Text>,
        kind -> Text,
        description -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        listed_count -> Integer,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        listed_count -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        author_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        started_at -> Timestamp,
        latency_ms -> Integer,
        succeeded -> Bool,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        redelivery_of -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        event_type -> Text,
        article_id -> Nullable<BigInt>,
        webhook_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> Timestamp,
        due_at -> Timestamp,
        fanned_out -> Bool,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        next_delivery_at -> Nullable<Timestamp>,
        lease_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_sources -> articles (article_id));
diesel::joinable!(article_sources -> sources (source_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(articles -> images (feature_image_id));
diesel::joinable!(articles -> users (created_by));
diesel::joinable!(authors -> images (avatar_image_id));
diesel::joinable!(comments -> articles (article_id));
diesel::joinable!(comments -> users (user_id));
diesel::joinable!(correction_amendments -> corrections (correction_id));
diesel::joinable!(corrections -> articles (article_id));
diesel::joinable!(images -> users (created_by));
diesel::joinable!(previews -> articles (article_id));
diesel::joinable!(previews -> users (created_by));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(sources -> users (created_by));
diesel::joinable!(tags -> users (created_by));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    article_authors,
    article_revisions,
    article_sources,
    article_tags,
    articles,
    authors,
    comments,
    correction_amendments,
    corrections,
    counters,
    images,
    previews,
    refresh_tokens,
    search_changes,
    sessions,
    sitemap_pages,
    sitemap_pending,
    slug_history,
    sources,
    tags,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhooks,
);
