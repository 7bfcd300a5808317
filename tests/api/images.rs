//! `/api/v1/images`: uploads checked by their bytes, metadata stripped, storage, serving,
//! renditions, and images in articles and bylines.

use std::io::Cursor;

use actix_web::http::Method;
use dateline::auth::Role;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use serde_json::{Value, json};

use crate::helpers::*;

// Real image bytes, made here.

fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    }))
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::WebP | ImageFormat::Gif => {
            DynamicImage::ImageRgba8(image.to_rgba8()).write_to(&mut out, format)
        }
        _ => image.write_to(&mut out, format),
    }
    .unwrap();
    out.into_inner()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(&picture(width, height), ImageFormat::Png)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    c.extend_from_slice(&body);
    c.extend_from_slice(&crc32(&body).to_be_bytes());
    c
}

/// A PNG whose header claims 10,000 × 10,000 pixels (100 MP) with a few bytes of data: a
/// decompression bomb's shape.
fn bomb_png() -> Vec<u8> {
    let mut ihdr = 10_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&10_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        png_chunk(b"IHDR", &ihdr),
        png_chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        png_chunk(b"IEND", b""),
    ]
    .concat()
}

const SECRET_CAMERA: &[u8] = b"SecretCam QAIM-7";

/// A big-endian TIFF/EXIF block: orientation 6 (rotate 90°), a camera make, and GPS
/// coordinates 34°23'N.
fn gps_exif() -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 at 8: 3 entries (2 + 3*12 + 4 = 42 bytes) → ends at 50.
    let make_at: u32 = 50;
    let gps_at: u32 = make_at + SECRET_CAMERA.len() as u32 + 1;
    t.extend_from_slice(&3u16.to_be_bytes());
    t.extend_from_slice(&[0x01, 0x0F, 0, 2]);
    t.extend_from_slice(&(SECRET_CAMERA.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(&make_at.to_be_bytes());
    t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    t.extend_from_slice(&gps_at.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0]);
    t.extend_from_slice(SECRET_CAMERA);
    t.push(0);
    // GPS IFD: 2 entries (2 + 24 + 4 = 30 bytes), then the rationals.
    let rationals_at = gps_at + 30;
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    t.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3]);
    t.extend_from_slice(&rationals_at.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0]);
    for (n, d) in [(34u32, 1u32), (23, 1), (1717, 100)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    t
}

/// A 40 × 20 JPEG carrying [`gps_exif`] (so displayed 20 × 40).
fn jpeg_with_gps() -> Vec<u8> {
    jpeg_with_gps_sized(40, 20)
}

/// A `width` × `height` JPEG carrying [`gps_exif`].
fn jpeg_with_gps_sized(width: u32, height: u32) -> Vec<u8> {
    let jpeg = encode(&picture(width, height), ImageFormat::Jpeg);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&gps_exif());
    let len = (exif.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// Multipart bodies, by hand.

const BOUNDARY: &str = "dateline-test-boundary-7MA4YWxkTrZu0gW";

fn form(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        if *name == "file" {
            body.extend_from_slice(
                b"Content-Disposition: form-data; name=\"file\"; filename=\"photo.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload_parts(app: &TestApp, parts: &[(&str, &[u8])], token: Option<&str>) -> Resp {
    let req = app
        .request(Method::POST, "/api/v1/images", token)
        .content_type(format!("multipart/form-data; boundary={BOUNDARY}"));
    send_raw(req, form(parts)).await
}

pub async fn upload(app: &TestApp, bytes: &[u8], token: &str) -> Value {
    let res = upload_parts(
        app,
        &[
            ("file", bytes),
            ("caption", b"Iraqi Sukhoi aircraft. File photo."),
        ],
        Some(token),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn path_of(url: &Value) -> String {
    let url = url.as_str().unwrap();
    url[url.find("/api/").unwrap()..].to_owned()
}

// Uploading.

crate::both_backends!(every_accepted_format_is_recognised_by_its_bytes);
async fn every_accepted_format_is_recognised_by_its_bytes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let pic = picture(64, 48);
    for (format, mime) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::WebP, "image/webp"),
        (ImageFormat::Gif, "image/gif"),
    ] {
        let bytes = encode(&pic, format);
        let res = upload_parts(
            &app,
            &[
                ("file", &bytes),
                ("alt", b"A jet on a runway"),
                ("credit", b"MoD"),
            ],
            Some(&admin),
        )
        .await;
        assert_eq!(res.status, 201, "{mime}: {}", res.text());
        let img = res.json();
        assert_eq!(img["mime_type"], mime);
        assert_eq!(
            (img["width"].as_i64(), img["height"].as_i64()),
            (Some(64), Some(48))
        );
        assert_eq!(img["alt"], "A jet on a runway");
        assert_eq!(img["credit"], "MoD");
        assert_eq!(img["caption"], json!(null));
        assert_eq!(img["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(
            res.header("location").unwrap(),
            app.url(&format!("/api/v1/images/{}", img["id"]))
        );
        assert_eq!(
            img["url"],
            app.url(&format!("/api/v1/images/{}/file", img["id"]))
        );
        let file = app.get(&path_of(&img["url"]), None).await;
        assert_eq!(file.status, 200);
        assert_eq!(file.header("content-type"), Some(mime));
        assert_eq!(file.body.len() as i64, img["size_bytes"].as_i64().unwrap());
    }
}

crate::both_backends!(anything_else_is_415_whatever_its_name_or_declared_type);
async fn anything_else_is_415_whatever_its_name_or_declared_type() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for bytes in [
        &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
        b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0",
        b"just some text pretending to be a .png",
        b"%PDF-1.7",
    ] {
        upload_parts(&app, &[("file", bytes)], Some(&admin))
            .await
            .problem(415);
    }
    let req = app
        .request(Method::POST, "/api/v1/images", Some(&admin))
        .content_type("image/png");
    send_raw(req, png(4, 4)).await.problem(415);
}

crate::both_backends!(fake_truncated_and_bomb_images_are_refused_with_422);
async fn fake_truncated_and_bomb_images_are_refused_with_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut fake_png = b"\x89PNG\r\n\x1a\n".to_vec();
    fake_png.extend_from_slice(&[0x42; 200]);
    let res = upload_parts(&app, &[("file", &fake_png)], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"]);

    let whole = png(300, 200);
    let res = upload_parts(&app, &[("file", &whole[..whole.len() / 2])], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"]);
    let jpeg = encode(&picture(300, 200), ImageFormat::Jpeg);
    let res = upload_parts(&app, &[("file", &jpeg[..jpeg.len() - 400])], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"], "a truncated JPEG");

    let res = upload_parts(&app, &[("file", &bomb_png())], Some(&admin)).await;
    let p = res.problem(422);
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("10000×10000") && message.contains("40 megapixels"),
        "{message}"
    );
}

crate::both_backends!(location_and_camera_metadata_never_reach_the_store_or_the_reader);
async fn location_and_camera_metadata_never_reach_the_store_or_the_reader() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let upload_bytes = jpeg_with_gps();
    assert!(
        contains(&upload_bytes, SECRET_CAMERA),
        "the test file carries the secret"
    );
    let img = upload(&app, &upload_bytes, &admin).await;
    assert_eq!(
        (img["width"].as_i64(), img["height"].as_i64()),
        (Some(20), Some(40)),
        "displayed size: EXIF orientation 6 applied"
    );
    let served = app.get(&path_of(&img["url"]), None).await;
    assert_eq!(served.status, 200);
    assert!(
        !contains(&served.body, SECRET_CAMERA),
        "camera make removed"
    );
    assert!(
        !contains(&served.body, &1717u32.to_be_bytes()),
        "GPS seconds removed"
    );
    assert!(!contains(&served.body, &[0x88, 0x25]), "no GPS IFD pointer");
    // The orientation survives on its own, and the file still decodes.
    let mut decoder = image::ImageReader::with_format(Cursor::new(&served.body), ImageFormat::Jpeg)
        .into_decoder()
        .unwrap();
    use image::ImageDecoder;
    assert_eq!(
        decoder.orientation().unwrap(),
        image::metadata::Orientation::Rotate90
    );
    // And what is stored (in the folder or the bucket) is what is served.
    let stored = stored_keys(&app);
    assert_eq!(stored.len(), 1);
    let kept = app.state.media.store().read(&stored[0]).unwrap();
    assert_eq!(kept, served.body);
    let sha = img["sha256"].as_str().unwrap();
    assert!(
        stored[0].contains(sha),
        "content-addressed: {:?}",
        stored[0]
    );
}

/// The keys the app's media store holds, a folder's or a bucket's.
fn stored_keys(app: &TestApp) -> Vec<String> {
    app.state.media.store().keys().unwrap()
}

crate::both_backends!(the_same_bytes_are_stored_once_and_removed_with_their_last_row);
async fn the_same_bytes_are_stored_once_and_removed_with_their_last_row() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let bytes = png(400, 300);
    let first = upload(&app, &bytes, &admin).await;
    let second = upload(&app, &bytes, &admin).await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
    assert_eq!(stored_keys(&app).len(), 1, "one file for both rows");
    assert_eq!(
        app.delete(&format!("/api/v1/images/{}", first["id"]), Some(&admin))
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&path_of(&second["url"]), None).await.status,
        200,
        "the other row keeps the file"
    );
    assert_eq!(stored_keys(&app).len(), 1);
    assert_eq!(
        app.get(&format!("/api/v1/images/{}/file?w=160", second["id"]), None)
            .await
            .status,
        200
    );
    assert_eq!(stored_keys(&app).len(), 2, "original and a rendition");
    assert_eq!(
        app.delete(&format!("/api/v1/images/{}", second["id"]), Some(&admin))
            .await
            .status,
        204
    );
    assert_eq!(
        stored_keys(&app),
        Vec::<std::path::PathBuf>::new(),
        "files and renditions removed"
    );
    app.get(&path_of(&second["url"]), None).await.problem(404);
}

crate::both_backends!(form_problems_are_named);
async fn form_problems_are_named() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = upload_parts(&app, &[("caption", b"no file")], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"]);
    let bytes = png(4, 4);
    let res = upload_parts(
        &app,
        &[("file", &bytes), ("location", b"Qaim")],
        Some(&admin),
    )
    .await;
    assert_eq!(res.invalid_fields(), ["location"]);
    let res = upload_parts(
        &app,
        &[("file", &bytes), ("caption", b"one"), ("caption", b"two")],
        Some(&admin),
    )
    .await;
    assert_eq!(res.invalid_fields(), ["caption"]);
    let long = "x".repeat(1001);
    let res = upload_parts(
        &app,
        &[("file", &bytes), ("alt", long.as_bytes())],
        Some(&admin),
    )
    .await;
    assert_eq!(res.invalid_fields(), ["alt"]);
    let req = app
        .request(Method::POST, "/api/v1/images", Some(&admin))
        .content_type("application/json");
    send_raw(req, "{}").await.problem(415);
    upload_parts(&app, &[("file", &bytes)], None)
        .await
        .problem(401);
}

crate::both_backends!(an_upload_over_10_mib_is_413);
async fn an_upload_over_10_mib_is_413() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut big = png(4, 4);
    big.resize(10 * 1024 * 1024 + 1, 0);
    upload_parts(&app, &[("file", &big)], Some(&admin))
        .await
        .problem(413);
    // Without a Content-Length, the stream is cut at the cap.
    let body = form(&[("file", &big)]);
    let chunks = futures_util::stream::iter(
        body.chunks(256 * 1024)
            .map(|c| Ok::<_, actix_web::Error>(actix_web::web::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let res = app
        .request(Method::POST, "/api/v1/images", Some(&admin))
        .content_type(format!("multipart/form-data; boundary={BOUNDARY}"))
        .send_stream(chunks)
        .await;
    if let Ok(res) = res {
        // The server may answer before reading the rest and close the connection.
        read(res).await.problem(413);
    }
}

// Serving.

crate::both_backends!(files_are_served_for_a_year_with_etag_304_nosniff_and_head);
async fn files_are_served_for_a_year_with_etag_304_nosniff_and_head() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let img = upload(&app, &png(120, 80), &admin).await;
    let path = path_of(&img["url"]);
    let res = app.get(&path, None).await;
    assert_eq!(
        res.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        res.header("content-encoding"),
        None,
        "images are not recompressed"
    );
    let tag = res.header("etag").unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.contains(&img["sha256"].as_str().unwrap()[..32]));
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("if-none-match", tag.clone()));
    let not_modified = send(req, None).await;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    let head = send(app.request(Method::HEAD, &path, None), None).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), Some(tag.as_str()));
    app.get("/api/v1/images/999999/file", None)
        .await
        .problem(404);
    app.get("/api/v1/images/abc/file", None).await.problem(400);
}

crate::both_backends!(ranges_are_served_as_206_and_outside_ranges_as_416);
async fn ranges_are_served_as_206_and_outside_ranges_as_416() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let bytes = png(200, 150);
    let img = upload(&app, &bytes, &admin).await;
    let path = path_of(&img["url"]);
    let whole = app.get(&path, None).await.body;
    let len = whole.len();
    for (range, start, end) in [
        ("bytes=0-9", 0, 9),
        ("bytes=-16", len - 16, len - 1),
        (&format!("bytes={}-", len - 3)[..], len - 3, len - 1),
    ] {
        let req = app
            .request(Method::GET, &path, None)
            .insert_header(("range", range));
        let res = send(req, None).await;
        assert_eq!(res.status, 206, "{range}");
        assert_eq!(
            res.header("content-range").unwrap(),
            format!("bytes {start}-{end}/{len}")
        );
        assert_eq!(res.body, whole[start..=end]);
    }
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("range", format!("bytes={len}-")));
    let res = send(req, None).await;
    res.problem(416);
    assert_eq!(
        res.header("content-range").unwrap(),
        format!("bytes */{len}")
    );
    // A stale If-Range gets the whole file.
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("range", "bytes=0-9"))
        .insert_header(("if-range", "\"stale\""));
    let res = send(req, None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body.len(), len);
}

crate::both_backends!(renditions_are_resized_once_kept_and_never_larger_than_the_original);
async fn renditions_are_resized_once_kept_and_never_larger_than_the_original() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let img = upload(&app, &encode(&picture(800, 400), ImageFormat::Jpeg), &admin).await;
    let id = img["id"].as_i64().unwrap();
    for (w, h) in [(160, 80), (320, 160), (640, 320)] {
        let res = app
            .get(&format!("/api/v1/images/{id}/file?w={w}"), None)
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-type"), Some("image/jpeg"));
        assert_eq!(
            res.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert!(res.header("etag").unwrap().ends_with(&format!("-w{w}\"")));
        let decoded = image::load_from_memory(&res.body).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (w, h));
    }
    let original = app.get(&format!("/api/v1/images/{id}/file"), None).await;
    for w in [1024, 1600] {
        let res = app
            .get(&format!("/api/v1/images/{id}/file?w={w}"), None)
            .await;
        assert_eq!(
            res.body, original.body,
            "w={w} is at least the original's 800: the original"
        );
    }
    let made = app.state.media.renditions_made();
    assert_eq!(made, 3);
    assert_eq!(
        app.get(&format!("/api/v1/images/{id}/file?w=320"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.state.media.renditions_made(),
        made,
        "kept, not made again"
    );
    let res = app
        .get(&format!("/api/v1/images/{id}/file?w=300"), None)
        .await;
    assert_eq!(res.invalid_fields(), ["w"]);
    let res = app
        .get(&format!("/api/v1/images/{id}/file?w=wide"), None)
        .await;
    assert_eq!(res.invalid_fields(), ["w"]);
}

crate::both_backends!(concurrent_first_requests_make_a_rendition_once);
async fn concurrent_first_requests_make_a_rendition_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let img = upload(&app, &png(1200, 900), &admin).await;
    let path = format!("/api/v1/images/{}/file?w=1024", img["id"]);
    let requests = (0..8).map(|_| {
        let req = app.request(Method::GET, &path, None);
        async move { send(req, None).await }
    });
    let answers = futures_util::future::join_all(requests).await;
    for a in &answers {
        assert_eq!(a.status, 200);
        assert_eq!(a.body, answers[0].body);
    }
    assert_eq!(app.state.media.renditions_made(), 1);
    let decoded = image::load_from_memory(&answers[0].body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1024, 768));
}

crate::both_backends!(gif_renditions_are_png_stills_and_webp_stays_webp);
async fn gif_renditions_are_png_stills_and_webp_stays_webp() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let gif = upload(&app, &encode(&picture(400, 200), ImageFormat::Gif), &admin).await;
    let res = app
        .get(&format!("/api/v1/images/{}/file?w=160", gif["id"]), None)
        .await;
    assert_eq!(res.header("content-type"), Some("image/png"));
    let webp = upload(
        &app,
        &encode(
            &DynamicImage::ImageRgba8(RgbaImage::new(400, 200)),
            ImageFormat::WebP,
        ),
        &admin,
    )
    .await;
    let res = app
        .get(&format!("/api/v1/images/{}/file?w=320", webp["id"]), None)
        .await;
    assert_eq!(res.header("content-type"), Some("image/webp"));
    let decoded = image::load_from_memory(&res.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 160));
}

// Metadata, permissions, use.

crate::both_backends!(metadata_is_listed_searched_and_edited_within_the_role_rules);
async fn metadata_is_listed_searched_and_edited_within_the_role_rules() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.token_for(Role::Author).await;
    let (_, other) = app.token_for(Role::Author).await;
    let (_, editor) = app.token_for(Role::Editor).await;
    let mine = upload(&app, &png(30, 30), &author).await;
    upload(&app, &png(31, 30), &admin).await;
    let path = format!("/api/v1/images/{}", mine["id"]);
    let res = app
        .patch(
            &path,
            &json!({"caption": "Smoke over Rawa. File photo.", "credit": null}),
            Some(&author),
        )
        .await;
    assert_eq!(res.ok()["caption"], "Smoke over Rawa. File photo.");
    app.patch(&path, &json!({"caption": "Nope"}), Some(&other))
        .await
        .problem(403);
    app.delete(&path, Some(&other)).await.problem(403);
    app.patch(&path, &json!({"caption": "Anon"}), None)
        .await
        .problem(401);
    let res = app.patch(&path, &json!({"width": 10}), Some(&author)).await;
    assert_eq!(
        res.json()["errors"],
        json!([{"field": "width", "message": "is read-only"}])
    );
    assert_eq!(
        app.patch(&path, &json!({"alt": "Smoke"}), Some(&editor))
            .await
            .status,
        200
    );

    let list = app.get("/api/v1/images?q=rawa", None).await.ok();
    assert_eq!(ids(&list), [mine["id"].as_i64().unwrap()]);
    let all = app.get("/api/v1/images?fields=id,url", None).await.ok();
    assert_eq!(all["meta"]["total"], 2);
    assert_eq!(all["data"][0].as_object().unwrap().len(), 2);
    assert_eq!(app.get(&path, None).await.ok()["alt"], "Smoke");
    app.get("/api/v1/images/999999", None).await.problem(404);
    assert_eq!(app.delete(&path, Some(&author)).await.status, 204);
}

crate::both_backends!(an_image_in_use_names_only_the_articles_the_caller_may_read);
async fn an_image_in_use_names_only_the_articles_the_caller_may_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.token_for(Role::Author).await;
    let img = upload(&app, &png(320, 180), &author).await;
    for (title, token) in [
        ("Own draft on the Qaim crossing", &author),
        ("Desk draft on Anbar", &admin),
        ("Desk draft on Rawa", &admin),
    ] {
        app.create(
            "/api/v1/articles",
            json!({"title": title, "feature_image_id": img["id"]}),
            token,
        )
        .await;
    }
    let p = app
        .delete(&format!("/api/v1/images/{}", img["id"]), Some(&author))
        .await
        .problem(409);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("own-draft-on-the-qaim-crossing"),
        "{detail}"
    );
    assert!(detail.contains("and 2 unpublished articles"), "{detail}");
    assert!(!detail.contains("desk-draft"), "{detail}");
    // Editors read every draft: theirs names all three.
    let p = app
        .delete(&format!("/api/v1/images/{}", img["id"]), Some(&admin))
        .await
        .problem(409);
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("desk-draft-on-rawa"), "{detail}");
    assert!(!detail.contains("unpublished"), "{detail}");
}

crate::both_backends!(an_image_in_use_cannot_be_deleted_and_articles_embed_it);
async fn an_image_in_use_cannot_be_deleted_and_articles_embed_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let img = upload(&app, &png(640, 360), &admin).await;
    let avatar = upload(&app, &png(64, 64), &admin).await;
    let author = app
        .create(
            "/api/v1/authors",
            json!({"name": "Samir Khalil", "avatar_image_id": avatar["id"]}),
            &admin,
        )
        .await;
    assert_eq!(author["avatar_image_id"], avatar["id"]);
    let article = app
        .create(
            "/api/v1/articles",
            json!({"title": "Sukhoi raid", "status": "published", "author_ids": [author["id"]], "feature_image_id": img["id"]}),
            &admin,
        )
        .await;
    assert_eq!(article["feature_image_id"], img["id"]);
    let embedded = app
        .get(
            &format!("/api/v1/articles/{}?include=feature_image", article["id"]),
            None,
        )
        .await
        .ok();
    assert_eq!(embedded["feature_image"]["url"], img["url"]);
    assert_eq!(
        embedded["feature_image"]["caption"],
        "Iraqi Sukhoi aircraft. File photo."
    );

    let p = app
        .delete(&format!("/api/v1/images/{}", img["id"]), Some(&admin))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("sukhoi-raid"), "{p}");
    let p = app
        .delete(&format!("/api/v1/images/{}", avatar["id"]), Some(&admin))
        .await
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("samir-khalil"),
        "{p}"
    );

    let res = app
        .patch(
            &format!("/api/v1/articles/{}", article["id"]),
            &json!({"feature_image_id": 424242}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["feature_image_id"]);
    let res = app
        .post(
            "/api/v1/authors",
            &json!({"name": "X", "avatar_image_id": 424242}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.invalid_fields(), ["avatar_image_id"]);
    app.patch(
        &format!("/api/v1/articles/{}", article["id"]),
        &json!({"feature_image_id": null}),
        Some(&admin),
    )
    .await
    .ok();
    let plain = app
        .get(
            &format!("/api/v1/articles/{}?include=feature_image", article["id"]),
            None,
        )
        .await
        .ok();
    assert_eq!(plain["feature_image"], json!(null));
    assert_eq!(
        app.delete(&format!("/api/v1/images/{}", img["id"]), Some(&admin))
            .await
            .status,
        204
    );
}

crate::both_backends!(an_oversized_colour_profile_is_dropped_before_any_decoder_sees_it);
async fn an_oversized_colour_profile_is_dropped_before_any_decoder_sees_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // Not even valid zlib: a decoder that read it would fail the upload.
    let mut profile = b"bomb\0\0".to_vec();
    profile.extend(std::iter::repeat_n(0x5A, 20 * 1024));
    let good = png(40, 30);
    let mut bytes = good[..33].to_vec(); // signature and IHDR
    bytes.extend_from_slice(&png_chunk(b"iCCP", &profile));
    bytes.extend_from_slice(&good[33..]);
    let img = upload(&app, &bytes, &admin).await;
    let served = app.get(&path_of(&img["url"]), None).await;
    assert!(!contains(&served.body, b"iCCP"));
    assert_eq!(image::load_from_memory(&served.body).unwrap().width(), 40);
}

crate::both_backends!(corrupt_files_that_a_lenient_decoder_would_accept_are_refused);
async fn corrupt_files_that_a_lenient_decoder_would_accept_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let jpeg = encode(&picture(300, 200), ImageFormat::Jpeg);
    // A JPEG whose frame header claims far more pixels than its data holds.
    let mut tall = jpeg.clone();
    let sof = tall.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    tall[sof + 5..sof + 9].copy_from_slice(&[0x17, 0x70, 0x17, 0x70]); // 6000 × 6000
    let res = upload_parts(&app, &[("file", &tall)], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"]);
    // A WebP whose RIFF length does not match the file.
    let mut webp = encode(&picture(40, 20), ImageFormat::WebP);
    webp[4..8].copy_from_slice(&4u32.to_le_bytes());
    let res = upload_parts(&app, &[("file", &webp)], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"]);
    let res = upload_parts(&app, &[("file", b"")], Some(&admin)).await;
    assert_eq!(res.invalid_fields(), ["file"]);
}

crate::both_backends!(a_range_request_with_a_matching_etag_is_304);
async fn a_range_request_with_a_matching_etag_is_304() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let img = upload(&app, &png(100, 100), &admin).await;
    let path = path_of(&img["url"]);
    let tag = app
        .get(&path, None)
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let req = app
        .request(Method::GET, &path, None)
        .insert_header(("range", "bytes=0-9"))
        .insert_header(("if-none-match", tag));
    assert_eq!(send(req, None).await.status, 304);
}

crate::both_backends!(renditions_of_a_turned_jpeg_are_turned_too);
async fn renditions_of_a_turned_jpeg_are_turned_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // Stored 400 × 200 with EXIF orientation 6: displayed 200 × 400.
    let img = upload(&app, &jpeg_with_gps_sized(400, 200), &admin).await;
    assert_eq!(
        (img["width"].as_i64(), img["height"].as_i64()),
        (Some(200), Some(400))
    );
    let res = app
        .get(&format!("/api/v1/images/{}/file?w=160", img["id"]), None)
        .await;
    assert_eq!(res.status, 200);
    let decoded = image::load_from_memory(&res.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 320));
    assert!(!contains(&res.body, SECRET_CAMERA));
}
