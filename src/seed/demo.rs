//! `dateline seed --demo`: a small demo newsroom, so a new user sees a living API at once.
//!
//! Everything goes through the same code as the API (slugs, rendering, the status workflow).
//! The texts are written for Dateline; the Qaim story retells the sample wire report.

use chrono::{DateTime, Duration, Utc};

use crate::articles::dto::{ArticleStatus, UpdateArticle};
use crate::articles::{render, service};
use crate::authors::dto::CreateAuthor;
use crate::authors::service::Authors;
use crate::catalog::Catalog;
use crate::db;
use crate::error::AppError;
use crate::slug::IdOrSlug;
use crate::sources::dto::{CreateSource, SourceKind};
use crate::sources::service::Sources;
use crate::state::AppState;
use crate::tags::dto::CreateTag;
use crate::tags::service::Tags;

/// The slug of the demo's lead story; its presence means the demo is already loaded.
pub const LEAD_SLUG: &str = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14";

/// What the seed made.
#[derive(Debug, Default)]
pub struct Seeded {
    pub authors: usize,
    pub sources: usize,
    pub tags: usize,
    pub articles: usize,
}

/// The note on the lead story.
const DEMO_CLARIFICATION: &str = "This story was updated to make clear that the toll of 14 \
comes from an army officer and had not been confirmed independently at the time of writing.";

struct DemoArticle {
    title: &'static str,
    subtitle: Option<&'static str>,
    dateline: &'static str,
    status: ArticleStatus,
    /// Relative to now for scheduled stories; absolute otherwise.
    published_at: Option<DateTime<Utc>>,
    authors: &'static [usize],
    tags: &'static [usize],
    sources: &'static [usize],
    body: &'static str,
}

fn at(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

const AUTHORS: &[(&str, &str)] = &[
    (
        "Samir Khalil",
        "Security correspondent in Baghdad; covers the campaign against Islamic State in Anbar.",
    ),
    (
        "Layla Hassan",
        "Reports from western Anbar, from Haditha to the Syrian border.",
    ),
    ("Omar Farouk", "Night editor. Writes the morning briefing."),
];

const SOURCES: &[(&str, &str, SourceKind)] = &[
    (
        "IraqiNews.com",
        "https://www.iraqinews.com/",
        SourceKind::Website,
    ),
    (
        "Alsumaria News",
        "https://www.alsumaria.tv/",
        SourceKind::Broadcaster,
    ),
    (
        "Mawazin News",
        "https://www.mawazin.net/",
        SourceKind::Website,
    ),
    (
        "War Media Cell",
        "https://www.mod.mil.iq/",
        SourceKind::Government,
    ),
];

const TAGS: &[(&str, &str)] = &[
    (
        "Islamic State",
        "The militant group and the campaign to drive it out of Iraq.",
    ),
    (
        "Anbar",
        "Iraq's largest province, stretching west to Syria and Jordan.",
    ),
    (
        "Air strikes",
        "Raids by the Iraqi air force and the coalition.",
    ),
    (
        "Iraqi army",
        "Operations of the army and the forces that fight beside it.",
    ),
    (
        "Displacement",
        "Civilians forced from their homes, and their return.",
    ),
];

fn demo_articles(now: DateTime<Utc>) -> Vec<DemoArticle> {
    vec![
        DemoArticle {
            title: "Iraqi jets strike IS bomb workshop in Qaim, killing 14",
            subtitle: Some(
                "Army source says the raid hit al-Obaidi as troops mass for the last push in western Anbar",
            ),
            dateline: "Qaim",
            status: ArticleStatus::Published,
            published_at: at("2017-11-01T09:30:00Z"),
            authors: &[0],
            tags: &[0, 1, 2],
            sources: &[0, 1, 2, 3],
            body: "Fourteen Islamic State fighters died on Wednesday when Iraqi warplanes bombed a \
workshop in al-Obaidi, on the edge of al-Qaim, where the group was wiring explosives, an \
officer of the army's 7th division told **Alsumaria News**.\n\n\
The strike came as commanders prepare to retake Qaim and Rawa, the last two towns in Iraq \
still held by the militants. A map released the same day by the Defense Ministry's War Media \
Cell shaded both towns black against the rest of the country, under a caption promising to \
wipe away \"the black stain\".\n\n\
## Troops gather in the desert\n\n\
Qassem al-Mohammadi, who commands the army's al-Jazeera Operations, told *Mawazin News* that \
joint forces had stepped up their deployment across the western Anbar desert and would move \
on the towns along several axes, pushing the group back from the Syrian frontier. He put the \
number of militants left in Qaim and Rawa at about 2,000.\n\n\
Since the group overran large parts of Iraq in 2014, government troops, paramilitary units \
and the U.S.-led coalition have taken back Mosul, Tal Afar, Hawija and Annah. Prime Minister \
Haider al-Abadi has said 2017 will see the group's end in Iraq.",
        },
        DemoArticle {
            title: "Rawa families flee toward Haditha ahead of offensive",
            subtitle: None,
            dateline: "Haditha",
            status: ArticleStatus::Published,
            published_at: at("2017-11-02T07:10:00Z"),
            authors: &[1],
            tags: &[1, 4],
            sources: &[0],
            body: "Hundreds of families crossed the desert from Rawa to Haditha overnight, local \
officials said, carrying what they could on pickups and tractors.\n\n\
Aid groups have set up tents at the edge of town. \"We left at midnight so the fighters would \
not see us,\" one father said. Officials fear the militants will try to keep civilians in the \
towns as the army closes in.",
        },
        DemoArticle {
            title: "Morning briefing: the battle for western Anbar",
            subtitle: Some("What happened overnight and what to watch today"),
            dateline: "Baghdad",
            status: ArticleStatus::Published,
            published_at: at("2017-11-03T05:00:00Z"),
            authors: &[2],
            tags: &[0, 1],
            sources: &[0, 3],
            body: "- Air strikes continued around **Qaim**; the army reports weapons depots destroyed.\n\
- Families keep arriving in **Haditha** from Rawa.\n\
- Commanders say the ground offensive is \"days away\".\n\n\
We will update this briefing through the day.",
        },
        DemoArticle {
            title: "Army enters Qaim from three directions",
            subtitle: None,
            dateline: "Qaim",
            status: ArticleStatus::Published,
            published_at: at("2017-11-03T14:45:00Z"),
            authors: &[0, 1],
            tags: &[0, 1, 3],
            sources: &[1, 3],
            body: "Iraqi troops and allied fighters pushed into Qaim on Friday from the east, \
south and north, the War Media Cell said, meeting sniper fire and car bombs.\n\n\
Engineers cleared roadside bombs on the main road from Akashat. Residents who reached army \
lines said many militants had slipped toward the Syrian border in the night.",
        },
        DemoArticle {
            title: "Qaim retaken, army says, as militants fall back on Rawa",
            subtitle: Some("Officers raise the flag over the town hall"),
            dateline: "Qaim",
            status: ArticleStatus::Published,
            published_at: at("2017-11-04T11:20:00Z"),
            authors: &[0],
            tags: &[0, 1, 3],
            sources: &[2, 3],
            body: "Iraqi forces took full control of Qaim on Saturday, the joint operations \
command said, a day after the ground assault began.\n\n\
Troops raised the national flag over the town hall. The remaining fighters withdrew toward \
Rawa, across the Euphrates, where the army says the last battle in Iraq will be fought.",
        },
        DemoArticle {
            title: "In Haditha, a school becomes a shelter",
            subtitle: None,
            dateline: "Haditha",
            status: ArticleStatus::Published,
            published_at: at("2017-11-05T16:00:00Z"),
            authors: &[1],
            tags: &[4],
            sources: &[0],
            body: "Classrooms at the boys' secondary school now sleep forty families. Blankets \
hang between desks; a generator in the yard runs the lights for four hours a night.\n\n\
Teachers still come in the mornings, to count the children.",
        },
        DemoArticle {
            title: "Rawa falls, ending the group's hold on Iraqi towns",
            subtitle: None,
            dateline: "Rawa",
            status: ArticleStatus::Published,
            published_at: at("2017-11-17T10:00:00Z"),
            authors: &[0, 1],
            tags: &[0, 1, 3],
            sources: &[1, 2, 3],
            body: "Iraqi forces recaptured Rawa on Friday, the last town in the country under \
the group's control, commanders said, after a push of only a few hours.\n\n\
Clearing operations continue in the desert between the Euphrates and the Syrian border.",
        },
        DemoArticle {
            title: "One year after Qaim: rebuilding the market",
            subtitle: Some("A feature for the anniversary edition"),
            dateline: "Qaim",
            status: ArticleStatus::Scheduled,
            published_at: Some(now + Duration::days(3)),
            authors: &[1],
            tags: &[1, 4],
            sources: &[0],
            body: "The stalls came back before the roofs did. A year after the battle, traders \
in Qaim's central market sell vegetables under sheets of plastic while builders work above.",
        },
        DemoArticle {
            title: "Weekly briefing: Anbar after the war",
            subtitle: None,
            dateline: "Baghdad",
            status: ArticleStatus::Scheduled,
            published_at: Some(now + Duration::hours(12)),
            authors: &[2],
            tags: &[1],
            sources: &[0],
            body: "This week: returns to Rawa, power back in Haditha, and a new bridge over the \
Euphrates.",
        },
        DemoArticle {
            title: "Draft: what the desert hides",
            subtitle: Some("Working title for the long read on mass graves"),
            dateline: "Anbar",
            status: ArticleStatus::Draft,
            published_at: None,
            authors: &[0],
            tags: &[0, 1],
            sources: &[],
            body: "Notes from three trips with the forensic teams. To be written up.",
        },
        DemoArticle {
            title: "Interview with the Qaim district council head",
            subtitle: None,
            dateline: "Qaim",
            status: ArticleStatus::Draft,
            published_at: None,
            authors: &[1],
            tags: &[1],
            sources: &[],
            body: "Q&A, to be edited down to 800 words.",
        },
        DemoArticle {
            title: "Live: the battle for Qaim (closed)",
            subtitle: Some("Our running coverage, kept for the record"),
            dateline: "Qaim",
            status: ArticleStatus::Archived,
            published_at: at("2017-11-03T06:00:00Z"),
            authors: &[2],
            tags: &[0, 1],
            sources: &[1, 3],
            body: "This live page is closed. Read the full story of the battle in our later \
reports.",
        },
    ]
}

/// Loads the demo newsroom unless it is there already (`Ok(None)`).
pub async fn demo(state: &AppState) -> Result<Option<Seeded>, AppError> {
    let now = Utc::now();
    let articles = demo_articles(now);
    let rendered: Vec<render::Rendered> = articles.iter().map(|a| render::render(a.body)).collect();
    db::write(&state.db, move |conn| {
        if service::load(conn, &IdOrSlug::parse(LEAD_SLUG))?.is_some() {
            return Ok(None);
        }
        let mut seeded = Seeded::default();
        let mut author_ids = Vec::new();
        for (name, bio) in AUTHORS {
            let body = CreateAuthor {
                name: (*name).to_owned(),
                slug: None,
                bio: Some((*bio).to_owned()),
                email: None,
                website: None,
                avatar_image_id: None,
            };
            author_ids.push(<Authors as Catalog>::insert(conn, body, None)?.id);
            seeded.authors += 1;
        }
        let mut source_ids = Vec::new();
        for (name, url, kind) in SOURCES {
            let body = CreateSource {
                name: (*name).to_owned(),
                slug: None,
                url: Some((*url).to_owned()),
                kind: Some(*kind),
                description: None,
            };
            source_ids.push(<Sources as Catalog>::insert(conn, body, None)?.id);
            seeded.sources += 1;
        }
        let mut tag_ids = Vec::new();
        for (name, description) in TAGS {
            let body = CreateTag {
                name: (*name).to_owned(),
                slug: None,
                description: Some((*description).to_owned()),
            };
            tag_ids.push(<Tags as Catalog>::insert(conn, body, None)?.id);
            seeded.tags += 1;
        }
        let db_now = db::now();
        for (article, rendered) in articles.into_iter().zip(rendered) {
            let pick = |ids: &[i64], which: &[usize]| which.iter().map(|i| ids[*i]).collect();
            let change = UpdateArticle {
                title: Some(article.title.to_owned()),
                subtitle: Some(article.subtitle.map(str::to_owned)),
                body: Some(article.body.to_owned()),
                dateline: Some(Some(article.dateline.to_owned())),
                status: Some(article.status),
                published_at: Some(article.published_at),
                author_ids: Some(pick(&author_ids, article.authors)),
                tag_ids: Some(pick(&tag_ids, article.tags)),
                source_ids: Some(pick(&source_ids, article.sources)),
                ..UpdateArticle::default()
            };
            let stored = service::save(conn, None, None, change, Some(rendered), db_now)?;
            if seeded.articles == 0 {
                // The lead story carries a public note, as a corrected story would.
                use crate::db::schema::corrections;
                use diesel::prelude::*;
                diesel::insert_into(corrections::table)
                    .values((
                        corrections::article_id.eq(stored.row.id),
                        corrections::kind.eq("clarification"),
                        corrections::note.eq(DEMO_CLARIFICATION),
                        corrections::created_at.eq(db_now),
                        corrections::updated_at.eq(db_now),
                    ))
                    .execute(conn)?;
            }
            seeded.articles += 1;
        }
        Ok(Some(seeded))
    })
    .await
}
