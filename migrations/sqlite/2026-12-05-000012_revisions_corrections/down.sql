DROP TABLE correction_amendments;
DROP TABLE corrections;
DROP TABLE article_revisions;
